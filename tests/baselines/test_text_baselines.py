"""The text baselines: TF-IDF + logistic regression (C tuned on validation) and VADER, on tiny
hand-made cases, with the metric names a TextClassifier's evaluate() reports."""

from __future__ import annotations

import pytest

from rnn_zoo.baselines import TfidfLogisticRegression, Vader

TRAIN = (["good great day", "great good fun", "bad awful day", "awful bad mess",
          "the flight at noon", "a flight at the gate"],
         ["positive", "positive", "negative", "negative", "neutral", "neutral"])
TEST = (["good great", "awful bad", "flight at the gate"], ["positive", "negative", "neutral"])
SCORES = {"accuracy", "macro_f1", "f1", "confusion_matrix", "examples"}


def test_tfidf_logreg_tunes_c_on_validation_and_scores_test():
    result = TfidfLogisticRegression(c_grid=(10.0, 100.0), min_df=1, char_ngrams=(2, 4))(
        TRAIN, TRAIN, TEST)
    assert set(result) >= SCORES
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0
    assert result["C"] in (10.0, 100.0) and set(result["tuning"]) == {"10.0", "100.0"}
    assert result["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_tfidf_logreg_without_validation_takes_its_single_c():
    result = TfidfLogisticRegression(c_grid=(4.0,), min_df=1)(TRAIN, None, TEST)
    assert result["C"] == 4.0 and result["tuning"] == {}
    with pytest.raises(ValueError, match="needs a validation split"):
        TfidfLogisticRegression(c_grid=(1.0, 2.0))(TRAIN, None, TEST)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"c_grid": ()}, "`c_grid` must be a non-empty list of positive numbers"),
    ({"word_ngrams": (2, 1)}, "`word_ngrams` must be a pair"),
    ({"char_ngrams": "2-5"}, "`char_ngrams` must be a pair"),
    ({"min_df": 0}, "`min_df` must be an int >= 1"),
    ({"solver": "adam"}, "`solver` must be one of"),
])
def test_tfidf_logreg_bad_arguments_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        TfidfLogisticRegression(**kwargs)


def test_vader_uses_the_standard_thresholds():
    test = (["I love this, it is wonderful!", "This is terrible and I hate it.",
             "The flight leaves at 5."], ["positive", "negative", "neutral"])
    assert Vader().predict(test[0]) == test[1]
    result = Vader()(TRAIN, None, test)
    assert set(result) >= SCORES and result["accuracy"] == 1.0
    assert Vader(negative=0, neutral=1, positive=2).predict(test[0]) == [2, 0, 1]
    with pytest.raises(ValueError, match="`threshold` must be a number in"):
        Vader(threshold=0)
    with pytest.raises(ValueError, match="three different class labels"):
        Vader(negative="x", neutral="x")
