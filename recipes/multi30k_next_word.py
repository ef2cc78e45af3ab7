"""multi30k_next_word: many-to-many (synced) next-word prediction on Multi30k English captions.

The lecture's "predict the next word in a sentence", at the word level on real sentences.
Data: the English side of `multi30k/en_de` (Flickr30k image descriptions; offline builder
reading the upstream files from a manual dir, `--manual-dir`, `$RNN_ZOO_MANUAL_DIR` or the
checkout's `../shared/tfds_manual/multi30k/`, each checked against its sha256): train 29,000
sentences, validation `val` (1,014, early stopping), test `test_2016_flickr` (1,000).
Task: `LanguageModel(level="word")`: lower-cased words and punctuation
(`rnn_zoo.preprocessing.text_standardizer`), words seen at least twice in the train sentences
get an id (`min_count=2`, the rest are `[UNK]`), every sentence starts with `<s>`, which the
model also predicts after a sentence's last word (its end); the sentences, one after another,
are cut into windows of 35 tokens and a causal LSTM predicts each next token.
Metric: test perplexity (`perplexity`, exp of the mean cross-entropy in nats per token,
`loss`), every word and sentence end of the test sentences scored once.
Baselines on the same tokens and vocabulary, fitted on the train sentences in the same run:
an interpolated modified Kneser-Ney 3-gram model (`rnn_zoo.baselines.KneserNey`) and a
unigram model (the same estimator at order 1).
Bar (`full`): test perplexity lower than the Kneser-Ney 3-gram's.

    rnn-zoo train multi30k_next_word --profile quick --out runs/multi30k_next_word
    rnn-zoo predict runs/multi30k_next_word "a man in a"

Measured with `rnn-zoo train multi30k_next_word --profile full --out
runs/multi30k_next_word_full --verbose 2` (4.78 M parameters; 953 s of epochs, all 10 run,
best epoch 10), published as the preset `multi30k_next_word` (`python
scripts/publish_preset.py runs/multi30k_next_word_full`): test perplexity **28.18** (accuracy
0.374, 14,045 tokens) against the interpolated Kneser-Ney 3-gram's 31.78 and the unigram's
209.15 on the same tokens: the bar is met. `rnn-zoo predict multi30k_next_word "a man in a"`
prints `'blue' 0.133, 'black' 0.112, 'white' 0.105, 'red' 0.105, 'green' 0.053`
(tests/presets/test_multi30k_next_word.py re-scores the perplexity and checks the words).
"""

from rnn_zoo.recipe import Bar, Data, Recipe

# The vocabulary settings are the baselines' too: both profiles and both n-gram models score
# the same tokens (a different vocabulary would make the perplexities incomparable).
_VOCABULARY = {"level": "word", "min_count": 2, "max_tokens": 20_000}
_WORDS = {**_VOCABULARY, "seq_len": 35, "seed": 0}

RECIPE = Recipe(
    name="multi30k_next_word",
    summary="many-to-many (synced) next-word prediction on Multi30k English captions",
    task="LanguageModel",
    data=Data(dataset="multi30k/en_de", x="en",
              splits={"train": "train", "validation": "val", "test": "test_2016_flickr"}),
    profiles={
        # One epoch of a small GRU: small batches (366 steps) and a high rate, so one epoch
        # gets well past the unigram model.
        "quick": {**_WORDS, "cell": "gru", "units": 128, "num_layers": 1, "embedding_dim": 64,
                  "dropout": 0.0, "batch_size": 32, "learning_rate": 1e-2, "warmup_epochs": 0,
                  "epochs": 1, "patience": 1},
        # Sized for ~20-30 minutes on 2 CPU cores (about 8 TFLOP per epoch, early stopping
        # after a few epochs); 29,000 short captions overfit fast, hence the heavy dropout.
        "full": {**_WORDS, "cell": "lstm", "units": 384, "num_layers": 1, "embedding_dim": 256,
                 "dropout": 0.4, "batch_size": 64, "learning_rate": 3e-3, "warmup_epochs": 1,
                 "epochs": 10, "patience": 2},
    },
    baselines={"kneser_ney_3gram": ("rnn_zoo.baselines:KneserNey", {"order": 3, **_VOCABULARY}),
               "unigram": ("rnn_zoo.baselines:KneserNey", {"order": 1, **_VOCABULARY})},
    bars=(Bar(metric="perplexity", higher_is_better=False, baseline="kneser_ney_3gram"),),
    trivial="unigram",
    limitations=(
        "Trained on 29,000 English image captions (about 380,000 words): it models the short, "
        "literal descriptions of Flickr30k photos (people, animals, clothes, places), not "
        "English at large. Words seen once in the train sentences, and every new word, are one "
        "[UNK] token, which it predicts like any word; next_tokens never lists it. Sentences "
        "are read one after another in windows of 35 tokens from a zero state, so a sentence "
        "may be read with the end of the one before it."),
)
