"""multi30k_translate_de_en: encoder-decoder German -> English translation of Multi30k captions.

The same model, profiles and protocol as `multi30k_translate` (see there) in the other
direction.

Data: `multi30k/de_en`, references `multi30k/de_en_tok` (`en_tok`). Baselines: copy-source (the
German sentence) and the word-by-word dictionary. Bar (`full`, issue 18): `lc_tok_bleu >= 36.5`
on test_2016_flickr. The anchors (bentrevett/pytorch-seq2seq) score lower-cased spaCy tokens
with greedy search, a different tokenisation from the `lc.norm.tok` references: their numbers
are for orientation, not an exact comparison.

    rnn-zoo train multi30k_translate_de_en --profile quick --out runs/multi30k_translate_de_en
    rnn-zoo train multi30k_translate_de_en --profile full --out runs/multi30k_translate_de_en_full
    rnn-zoo predict runs/multi30k_translate_de_en "Ein Mann mit einem orangefarbenen Hut."

The `full` profile (the en->de one, label smoothing 0.1 included), measured with
`rnn-zoo train multi30k_translate_de_en --profile full --out runs/multi30k_translate_de_en_full
--verbose 2` (6.81 M parameters; 3,245 s of epochs, 59 min in all, beside tests and exports on
the same 2 cores; best epoch 14; the run folder is not committed): test_2016_flickr
`lc_tok_bleu` **41.50** (sacreBLEU 41.13, chrF 60.69; greedy 40.06), test_2017_flickr 36.28
(sacreBLEU 35.73); word dictionary 24.95, copy source 0.61. The bar (36.5) is met.
"""

from __future__ import annotations

from recipes.multi30k_translate import _FULL, _QUICK, LIMITATIONS
from rnn_zoo.recipe import Bar, Data, Recipe

_BENTREVETT = "bentrevett/pytorch-seq2seq (tutorials 3 and 6)"
_SPACY = "lowercased spaCy tokens, greedy"

RECIPE = Recipe(
    name="multi30k_translate_de_en",
    summary="German -> English Multi30k captions, attentive BiGRU encoder-decoder over "
            "subwords with beam search",
    task="Seq2Seq",
    data=Data(dataset="multi30k/de_en", x="de", y="en",
              splits={"train": "train", "validation": "val", "test": "test_2016_flickr"},
              reports={"test_2017_flickr": "test_2017_flickr"},
              references=("multi30k/de_en_tok", "en_tok")),
    profiles={"quick": {**_QUICK, "target_language": "en"},
              # The cell spelled out: `rnn-zoo list` reads declarations without importing.
              "full": {**_FULL, "cell": "gru", "target_language": "en"}},
    baselines={"copy_source": ("rnn_zoo.baselines:CopySource",
                               {"target_level": "subword", "target_language": "en"}),
               "word_dictionary": ("rnn_zoo.baselines:WordDictionary",
                                   {"source_language": "de", "target_language": "en"})},
    bars=(Bar(metric="lc_tok_bleu", higher_is_better=True, value=36.5),),
    trivial="copy_source",
    anchors=(
        {"system": "attention GRU, packed and masked (lower end of 28.1-29.0)", "split": "test",
         "metric": "lc_tok_bleu", "value": 28.1, "protocol": _SPACY, "source": _BENTREVETT},
        {"system": "attention GRU, packed and masked (upper end of 28.1-29.0)", "split": "test",
         "metric": "lc_tok_bleu", "value": 29.0, "protocol": _SPACY, "source": _BENTREVETT},
        {"system": "Transformer 3+3", "split": "test", "metric": "lc_tok_bleu", "value": 36.52,
         "protocol": _SPACY, "source": _BENTREVETT},
    ),
    limitations=LIMITATIONS,
)
