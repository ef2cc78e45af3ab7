"""Encoder-decoders export with their decoding loop: strings in and out (SavedModel), code points
in and phoneme tokens out (builtin-only TFLite), the teacher-forced model (.keras, ONNX); every
artifact passes the parity check in a process that never imports rnn_zoo."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from rnn_zoo import encoder_decoder
from rnn_zoo.decoding import Translator
from rnn_zoo.exporters import export
from rnn_zoo.exporters.seq2seq import CODEPOINTS_ENDPOINT, codepoints_of, translator_servable

SOURCE_VOCAB = ["", "[UNK]", *"abcdefghijklmnopqrstuvwxyz'-."]
TARGET_VOCAB = ["", "[UNK]", "<start>", "<end>", "AA", "B", "K", "D", "EH", "Z"]
MAX_SOURCE = 12


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = encoder_decoder(source_vocab_size=len(SOURCE_VOCAB),
                            target_vocab_size=len(TARGET_VOCAB), units=4, embedding_dim=4,
                            bidirectional=True, attention="bahdanau")
    translator = Translator(model, source_vocabulary=SOURCE_VOCAB,
                            target_vocabulary=TARGET_VOCAB, beam_width=3, max_length=8)
    servable = translator_servable(translator, name="g2p_tiny", max_source_length=MAX_SOURCE)
    out = tmp_path_factory.mktemp("seq2seq")
    return translator, export(servable, out)  # raises ParityError if any artifact differs


def test_every_format_passes_parity_without_rnn_zoo(exported):
    _, result = exported
    checked = result.manifest["parity"]["artifacts"]
    assert set(checked) == {"keras", "saved_model", "tflite", "tflite_int8", "onnx"}
    for fmt, verdict in checked.items():
        assert verdict["ok"] and verdict["rnn_zoo_loaded"] is False, (fmt, verdict)


def test_tflite_is_builtin_only_and_serves_the_decoding_loop(exported):
    _, result = exported
    records = {r["format"]: r for r in result.manifest["artifacts"]}
    for fmt in ("tflite", "tflite_int8"):
        record = records[fmt]
        assert record["endpoints"] == [CODEPOINTS_ENDPOINT]
        assert not record.get("select_tf_ops"), record
        ops = set(record["ops"])
        assert {"WHILE", "TOPK_V2", "GATHER"} <= ops, ops
        assert not record["flex_ops"] and not any(op.startswith("Flex") for op in ops), ops


def test_tflite_transcribes_a_word_in_a_process_without_rnn_zoo(exported):
    translator, result = exported
    path = result.path("tflite")
    words = ["zoology", "cab"]
    expected = [t.decode() for t in translator(words)["outputs"].numpy()]
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        from ai_edge_litert.interpreter import Interpreter
        assert "rnn_zoo" not in sys.modules
        runner = Interpreter(model_path={str(path)!r}).get_signature_runner({CODEPOINTS_ENDPOINT!r})
        found = []
        for word in {words!r}:
            points = np.zeros((1, {MAX_SOURCE}), np.int32)
            points[0, :len(word)] = [ord(c) for c in word]
            tokens = runner(codepoints=points)["tokens"][0]
            found.append(" ".join(t.decode() for t in tokens if t))
        print(json.dumps(found))
        assert not any(m == "rnn_zoo" or m.startswith("rnn_zoo.") for m in sys.modules)
    """)
    proc = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True,
                          timeout=120, cwd="/")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == expected


def test_codepoints_of_rejects_words_longer_than_the_artifact():
    np.testing.assert_array_equal(codepoints_of(["ab"], 3), [[97, 98, 0]])
    with pytest.raises(ValueError, match=r"words\[0\].*max_source_length=3"):
        codepoints_of(["abcd"], 3)
