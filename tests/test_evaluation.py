"""Edit distance, WER and PER with several references, on hand-computed cases."""

from __future__ import annotations

import pytest

from rnn_zoo.evaluation import edit_distance, error_rates


@pytest.mark.parametrize(
    ("hyp", "ref", "distance"),
    [
        ("", "", 0),
        ("abc", "", 3),
        ("", "abc", 3),
        ("kitten", "sitting", 3),  # 2 substitutions + 1 insertion
        ("flaw", "lawn", 2),
        ("abc", "abc", 0),
        (["K", "AE", "T"], ["K", "AA", "T", "S"], 2),
    ],
)
def test_edit_distance(hyp, ref, distance):
    assert edit_distance(hyp, ref) == distance
    assert edit_distance(ref, hyp) == distance


def test_error_rates_use_the_closest_reference():
    hyps = [["T", "AH", "M", "EY", "T", "OW"],  # equals the second reference: right
            ["T", "AH", "M", "AA", "T"],       # 1 edit from "T AH M AA T OW" (6 phones)
            ["D", "AO"]]                       # 1 edit from "D AO G" (3 phones)
    refs = [[["T", "AH", "M", "AA", "T", "OW"], ["T", "AH", "M", "EY", "T", "OW"]],
            [["T", "AH", "M", "AA", "T", "OW"]],
            [["D", "AO", "G"], ["D", "AA", "G"]]]
    found = error_rates(hyps, refs)
    assert found["wer"] == pytest.approx(2 / 3)
    assert found["word_errors"] == 2
    assert found["symbol_errors"] == 2
    assert found["reference_symbols"] == 6 + 6 + 3
    assert found["per"] == pytest.approx(2 / 15)


def test_ties_choose_the_longer_reference():
    # "A" is 1 edit from both "A B" and "B": the longer reference gives the smaller rate.
    found = error_rates([["A"]], [[["B"], ["A", "B"]]])
    assert found["reference_symbols"] == 2 and found["per"] == 0.5


@pytest.mark.parametrize(
    ("hyps", "refs", "message"),
    [([["A"]], [], "one list of references"), ([], [], "must not be empty"),
     ([["A"]], [[]], r"references\[0\]")],
)
def test_bad_inputs(hyps, refs, message):
    with pytest.raises(ValueError, match=message):
        error_rates(hyps, refs)
