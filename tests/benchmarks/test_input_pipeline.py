"""The input-pipeline benchmark on tiny stand-ins for cmudict and the tweets (no TFDS build)."""

from __future__ import annotations

import pytest

from benchmarks import input_pipeline

WORDS = ["a", "at", "cat", "cats", "scatter", "category", "catastrophe", "to", "tomato",
         "automatic"] * 8
TWEETS = ["good", "so bad :(", "i love this film so much !!!", "meh", "not great, not awful",
          "what a day @user http://x.co", "ok", "the best thing i have seen in years, truly"] * 10


@pytest.fixture(autouse=True)
def tiny_data(monkeypatch):
    def load_words(split):
        return list(WORDS), [[" ".join(f"{c.upper()}1" for c in w)] for w in WORDS]

    def load_tweets(split):
        return list(TWEETS), [["negative", "neutral", "positive"][i % 3]
                              for i in range(len(TWEETS))]

    monkeypatch.setattr(input_pipeline, "load_words", load_words)
    monkeypatch.setattr(input_pipeline, "load_tweets", load_tweets)


@pytest.mark.parametrize("make", [input_pipeline.cmudict_task, input_pipeline.tweets_task])
def test_padding_counts_are_exact(make):
    task = make(timing_examples=10, quick=True)
    stats, longest = input_pipeline.padding_stats(task)
    # Every strategy batches the same real tokens; only the padding differs.
    assert len({entry["real_tokens"] for entry in stats.values()}) == 1
    shares = [stats[s]["padding_share"] for s in input_pipeline.STRATEGIES]
    assert shares[0] >= shares[1] >= shares[2] >= 0
    # pad_to_max's totals are derived, not counted: check them against a real pass.
    padded = task.full(None).map(input_pipeline._pad_to(longest))
    total = sum(sum(part.size for part in input_pipeline._components(x).values())
                for x, _ in padded.as_numpy_iterator())
    assert stats["pad_to_max"]["tokens_in_batches"] == total


def test_runs_end_to_end(tmp_path):
    out = tmp_path / "r.json"
    results = input_pipeline.main(["--quick", "--datasets", "tweets", "--rounds", "2",
                                   "--timing-examples", "40", "--out", str(out)])
    (found,) = results["datasets"]
    for strategy in input_pipeline.STRATEGIES:
        assert found["seconds_per_epoch"][strategy]["n"] == 2
        assert found["cpu_ratio_to_pad_to_max"][strategy]["median"] > 0
    assert found["ratio_to_pad_to_max"]["pad_to_max"]["median"] == 1.0
    assert out.is_file()
