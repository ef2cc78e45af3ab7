"""breast_cancer: one-to-one classification of the Wisconsin diagnostic breast-cancer features.

Data: `breast_cancer` (rnn_zoo.datasets; scikit-learn's 569 tumours, 30 features, stratified
train 399 / validation 57 / test 113), labels `malignant` / `benign`. Model: a
`TabularClassifier` (`rnn_zoo.topologies.one_to_one` GRU: the vector is one recurrent step),
whose `Normalization` layer standardises the raw features with the train split's mean and
standard deviation inside the saved model. Baselines on the same test split, computed in the
same run: scikit-learn `LogisticRegression` on the same standardised features (fitted on
train) and the majority class of train.
Bar (`full`): test accuracy >= logistic regression.

    rnn-zoo train breast_cancer --profile quick --out runs/breast_cancer
"""

from rnn_zoo.recipe import Bar, Data, Recipe

RECIPE = Recipe(
    name="breast_cancer",
    summary="one-to-one GRU over the 30 Wisconsin breast-cancer features",
    task="TabularClassifier",
    data=Data(dataset="breast_cancer", x="features", y="label"),
    profiles={
        "quick": {"cell": "gru", "units": 16, "dropout": 0.0, "learning_rate": 1e-2,
                  "batch_size": 32, "epochs": 30, "patience": 30, "seed": 1},
        "full": {"cell": "gru", "units": 64, "dropout": 0.3, "learning_rate": 2e-3,
                 "batch_size": 32, "epochs": 300, "patience": 60, "seed": 1},
    },
    baselines={
        "logistic_regression": ("rnn_zoo.baselines:TabularLogisticRegression", {"seed": 1}),
        "majority_class": "rnn_zoo.baselines:MajorityClass",
    },
    bars=(Bar(metric="accuracy", higher_is_better=True, baseline="logistic_regression"),),
    trivial="majority_class",
    limitations=(
        "569 tumours in all; the 113-example test split moves accuracy in steps of about "
        "0.009, so small differences to the logistic-regression baseline are within noise. "
        "Inputs are the 30 raw Wisconsin features in scikit-learn's order; the model "
        "standardises them with the train statistics it carries. Not a medical device."),
)
