"""japanese_vowels: many-to-one classification of variable-length 12-channel series (9 speakers).

Data: `uea_japanese_vowels` (rnn_zoo.datasets; UEA JapaneseVowels, official 270 train / 370 test
utterances of 7 to 29 frames of 12 LPC cepstrum coefficients, labels "1".."9"). The task holds
out a stratified, seeded 10 % of the official train split for early stopping (27 utterances).
Model: `SeriesClassifier` (rnn_zoo.tasks): each channel is standardised with the statistics of
the training frames only, inside the model; series are right-padded and the recurrent stack
masks the padding (`mask_channel=False` in `full`: the standardised 12 channels alone, padded
frames all zero, as the published preset was trained); the cell, pooling over states, depth and
direction are set by the profile. Training-only regularisation in `full`: seeded gaussian noise
(`noise_std`) on the standardised real frames of each training batch, and a cosine
learning-rate schedule over the run (`warmup_epochs=0`).
Baseline on the same test split: the majority class of train.
Bar (`full`): test accuracy >= 0.99 (InceptionTime reports 0.992).

    rnn-zoo train japanese_vowels --profile quick --out runs/japanese_vowels

Five seeds of `full` (issue 19 asks for the mean of 5), each run as
`rnn-zoo train japanese_vowels --profile full --seed S --out runs/japanese_vowels_seedS`
(S = 0..4; 30-83 s each on 2 CPU cores): test accuracy 0.9757, 0.9757, 0.9730, 0.9676, 0.9757
(361, 361, 360, 358, 361 of 370 right), mean **0.9735** (sd 0.0035); the best epoch on the
27-utterance validation split was 150, 8, 150, 20, 150. The bar (0.99) is missed by all five.
The committed preset (0.9811) was trained with seed 1 by the script that preceded the
runner; the runner's seed 1 run does not reproduce it (it stopped at epoch 48). Early stopping
on 27 utterances picks epochs as different as 8 and 150: model selection by k-fold on the
training split is the next thing to try.
"""

from rnn_zoo.recipe import Bar, Data, Recipe

RECIPE = Recipe(
    name="japanese_vowels",
    summary="many-to-one classification of variable-length 12-channel series (9 speakers)",
    task="SeriesClassifier",
    data=Data(dataset="uea_japanese_vowels", x="series", y="label",
              splits={"train": "train", "test": "test"}),
    profiles={
        "quick": {"cell": "lstm", "units": 32, "num_layers": 1, "bidirectional": False,
                  "dropout": 0.0, "pooling": "last", "learning_rate": 5e-3, "batch_size": 16,
                  "epochs": 15, "patience": 15, "seed": 1},
        # Chosen among 8 configs by the lowest validation loss (the test split was not
        # consulted).
        "full": {"cell": "lstm", "units": 64, "num_layers": 2, "bidirectional": True,
                 "dropout": 0.3, "pooling": "mean", "mask_channel": False, "noise_std": 0.15,
                 "learning_rate": 3e-3, "warmup_epochs": 0, "batch_size": 16, "epochs": 150,
                 "patience": 40, "validation_split": 0.1, "seed": 1},
    },
    baselines={"majority_class": "rnn_zoo.baselines:MajorityClass"},
    bars=(Bar(metric="accuracy", higher_is_better=True, value=0.99),),
    trivial="majority_class",
    limitations=(
        "Nine male speakers, one vowel, 370 test utterances: every error moves accuracy by "
        "about 0.003. The model selection split has 27 utterances, too few to tell good "
        "configurations apart at this level."),
)
