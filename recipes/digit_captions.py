"""digit_captions: one-to-many captioning, an image of K handwritten digits -> the K digits.

Data: `digit_strings/k3` (rnn_zoo.datasets; scikit-learn's 8x8 digits composed three side by
side into 8x24 images, labelled with the digit string; the source images are split before
composing, so test strings use only images never seen in training). Model: a
`SequenceCaptioner` with `fixed_length=True` (every answer is exactly three digits: a small
CNN encoder -> RepeatVector(3) -> GRU -> a digit per step, no end step), its pixel scaling
inside the saved model. Metrics on the test split: whole-string accuracy (`exact_match`, all
three digits right) and per-digit accuracy (`token_accuracy`). Baselines in the same run, same
test split: a per-digit classifier composed over the string (scikit-learn
`LogisticRegression` on the distinct 8x8 digits of the train split, applied to each 8x8 slice
of a test image) and the majority string of train.
Bar (`full`): whole-string accuracy >= 0.95.

    rnn-zoo train digit_captions --profile quick --out runs/digit_captions
"""

from rnn_zoo.recipe import Bar, Data, Recipe

_DIGITS = {"fixed_length": True, "level": "char", "cell": "gru", "batch_size": 64,
           "warmup_epochs": 0, "seed": 1}

RECIPE = Recipe(
    name="digit_captions",
    summary="one-to-many CNN -> RepeatVector -> GRU, an image of 3 digits -> the digits",
    task="SequenceCaptioner",
    data=Data(dataset="digit_strings/k3", x="image", y="label"),
    profiles={
        "quick": {**_DIGITS, "units": 64, "filters": [16, 32], "dropout": 0.0,
                  "learning_rate": 3e-3, "epochs": 5, "patience": 5},
        "full": {**_DIGITS, "units": 128, "filters": [32, 64], "dropout": 0.2,
                 "learning_rate": 2e-3, "epochs": 40, "patience": 8},
    },
    baselines={
        "per_digit_logistic_regression": (
            "rnn_zoo.baselines:PerSliceLogisticRegression",
            {"slice_width": 8, "seed": 1, "fixed_length": True}),
        "majority_string": ("rnn_zoo.baselines:MajoritySequence", {"fixed_length": True}),
    },
    bars=(Bar(metric="exact_match", higher_is_better=True, value=0.95),),
    trivial="majority_string",
    limitations=(
        "Strings of 3 scikit-learn 8x8 digits laid side by side with no overlap, noise or "
        "spacing changes: a controlled one-to-many task, not real handwriting recognition. "
        "Test strings use unseen source images, but the 360 test images are reused across "
        "the 2,000 test strings."),
)
