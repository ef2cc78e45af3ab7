"""imdb_reviews: many-to-one binary sentiment of movie reviews (needs the network or the archive).

Data: the TFDS catalog dataset `imdb_reviews` (Maas et al. 2011; 25,000 train / 25,000 test
reviews, balanced), downloaded by TFDS or read from the exact upstream archive in a manual dir
(`--manual-dir`, `$RNN_ZOO_MANUAL_DIR`). The task holds out a stratified, seeded 10 % of the
official train split for early stopping (`validation_split`); the test split is used once, for
the reported numbers. Words become ids with the `TextClassifier`'s vocabulary, learnt on the
training part only (lower-cased words and punctuation, the `max_tokens` most frequent); each
review keeps its first `max_length` tokens and batches are bucketed by length.
Model: `TextClassifier` (`many_to_one`: BiLSTM stack, masked max pooling, one logit per class).
Baselines on the same test split, fitted in the same run on the whole official train split: the
majority class, and TF-IDF (word n-grams) + logistic regression
(`rnn_zoo.baselines.TfidfLogisticRegression`, C = 4).
Published anchor: keras.io's "Bidirectional LSTM on IMDB" example (2 x BiLSTM(64) on the first
200 words, 20k vocabulary) reaches 0.843 validation accuracy.
Bar (`full`): test accuracy >= 0.843.

    rnn-zoo train imdb_reviews --profile quick --out runs/imdb_reviews
"""

from rnn_zoo.recipe import Bar, Data, Recipe

RECIPE = Recipe(
    name="imdb_reviews",
    summary="many-to-one binary sentiment of movie reviews (TFDS catalog, downloads)",
    task="TextClassifier",
    data=Data(dataset="imdb_reviews", x="text", y="label",
              splits={"train": "train", "test": "test"}),
    profiles={
        "quick": {"max_tokens": 5_000, "max_length": 128, "num_buckets": 4,
                  "embedding_dim": 32, "units": 16, "num_layers": 1, "dropout": 0.0,
                  "pooling": "max", "learning_rate": 3e-3, "batch_size": 64, "epochs": 2,
                  "patience": 1, "validation_split": 0.1, "seed": 0},
        "full": {"max_tokens": 20_000, "max_length": 400, "num_buckets": 6,
                 "embedding_dim": 128, "units": 64, "num_layers": 2, "dropout": 0.3,
                 "pooling": "max", "learning_rate": 1e-3, "batch_size": 64, "epochs": 8,
                 "patience": 2, "validation_split": 0.1, "seed": 0},
    },
    baselines={
        "majority_class": "rnn_zoo.baselines:MajorityClass",
        "tfidf_logistic_regression": ("rnn_zoo.baselines:TfidfLogisticRegression", {
            "c_grid": (4.0,), "word_ngrams": (1, 2), "min_df": 2, "max_features": 200_000,
            "max_iter": 2_000}),
    },
    bars=(Bar(metric="accuracy", higher_is_better=True, value=0.843),),
    trivial="majority_class",
    online=True,
)
