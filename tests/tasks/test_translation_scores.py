"""The text scores of subword-level `Seq2Seq` (`rnn_zoo.tasks._translation_scores`) against
sacreBLEU's own API on a fixed example, and the Moses pipeline against the dataset's own
lower-cased tokenised references."""

from __future__ import annotations

import pytest
import sacrebleu

from rnn_zoo.tasks._translation_scores import (
    chrf,
    lc_tok_bleu,
    moses_tokenize,
    sacre_bleu,
    text_scores,
)

HYPOTHESES = ["Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt.",
              "Ein Boston Terrier läuft über grünes Gras vor einem weißen Zaun.",
              'Ein Mädchen trägt ein Schild: "Hallo!"']
REFERENCES = ["Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt.",
              "Ein Boston Terrier läuft über saftig-grünes Gras vor einem weißen Zaun.",
              'Ein kleines Mädchen hält ein Schild mit "Hallo".']
TOKENISED = ["ein mann mit einem orangefarbenen hut , der etwas anstarrt .",
             "ein boston terrier läuft über saftig-grünes gras vor einem weißen zaun .",
             "ein kleines mädchen hält ein schild mit &quot; hallo &quot; ."]


def test_bleu_and_chrf_are_sacrebleus_with_their_signatures():
    bleu = sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES])
    found = sacre_bleu(HYPOTHESES, REFERENCES)
    assert found["bleu"] == pytest.approx(bleu.score)
    assert 0 < found["bleu"] < 100
    assert found["bleu_signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|")
    found = chrf(HYPOTHESES, REFERENCES)
    assert found["chrf"] == pytest.approx(sacrebleu.corpus_chrf(HYPOTHESES, [REFERENCES]).score)
    assert found["chrf_signature"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|")


def test_several_references_per_source_become_streams():
    refs = [[REFERENCES[0]], [REFERENCES[1], HYPOTHESES[1]], [REFERENCES[2]]]
    streams = [REFERENCES, [REFERENCES[0], HYPOTHESES[1], REFERENCES[2]]]
    assert sacre_bleu(HYPOTHESES, refs)["bleu"] == pytest.approx(
        sacrebleu.corpus_bleu(HYPOTHESES, streams).score)
    with pytest.raises(ValueError, match="`hypotheses` has 3 entries but `references` has 2"):
        sacre_bleu(HYPOTHESES, REFERENCES[:2])


def test_lowercased_tokenised_bleu_scores_moses_tokens_against_the_references():
    tokens = moses_tokenize(HYPOTHESES, language="de")
    assert tokens[2] == "ein mädchen trägt ein schild : &quot; hallo ! &quot;"
    expected = sacrebleu.corpus_bleu(tokens, [TOKENISED], tokenize="none", force=True).score
    found = lc_tok_bleu(HYPOTHESES, TOKENISED, language="de")
    assert found["lc_tok_bleu"] == pytest.approx(expected)
    assert "tok:none" in found["lc_tok_bleu_signature"]
    # The raw references, through the same pipeline, are their tokenised forms.
    assert lc_tok_bleu(REFERENCES, TOKENISED, language="de")["lc_tok_bleu"] == pytest.approx(100)


def test_text_scores_hold_every_score():
    scores = text_scores(HYPOTHESES, REFERENCES, language="de", tokenized_references=TOKENISED)
    assert scores["exact_match"] == pytest.approx(1 / 3)
    assert scores["bleu"] == pytest.approx(sacre_bleu(HYPOTHESES, REFERENCES)["bleu"])
    assert 0 < scores["tokenized_bleu"] < 1 and 0 < scores["token_error_rate"] < 1
    assert "lc_tok_bleu" not in text_scores(HYPOTHESES, REFERENCES, language="de")


def test_the_moses_pipeline_remakes_the_datasets_tokenised_references():
    from rnn_zoo.datasets.loading import _CHECKOUT_MANUAL_DIR
    from rnn_zoo.datasets.multi30k.multi30k_dataset_builder import (
        raw_file,
        read_lines,
        tokenised_file,
    )

    folder = _CHECKOUT_MANUAL_DIR / "multi30k"
    # ../shared is part of the checkout's setup (CI has it): missing files fail, not skip.
    assert (folder / raw_file("test_2016_flickr", "de")).is_file(), f"{folder}: no Multi30k files"
    for language in ("en", "de"):
        raw = read_lines(folder / raw_file("test_2016_flickr", language))
        tokenised = read_lines(folder / tokenised_file("test_2016_flickr", language))
        assert moses_tokenize(raw, language=language) == tokenised  # all 1,000
