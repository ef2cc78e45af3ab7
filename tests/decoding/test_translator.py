"""`Translator`: strings in, decoded strings out, in one graph; odd inputs give defined results."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo import encoder_decoder
from rnn_zoo.decoding import Translator, beam_search, encoder_decoder_parts

SOURCE_VOCAB = ["", "[UNK]", "a", "b", "c", "d"]
TARGET_VOCAB = ["", "[UNK]", "<start>", "<end>", "AA", "B", "K", "D"]
MAX_LENGTH = 6


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(7)
    return encoder_decoder(source_vocab_size=len(SOURCE_VOCAB),
                           target_vocab_size=len(TARGET_VOCAB), units=6, embedding_dim=4,
                           bidirectional=True, attention="bahdanau")


@pytest.fixture(scope="module", params=["greedy", "beam"])
def translator(request, model):
    return Translator(model, source_vocabulary=SOURCE_VOCAB, target_vocabulary=TARGET_VOCAB,
                      search=request.param, beam_width=3, max_length=MAX_LENGTH)


def test_strings_in_strings_out_match_the_id_search(model, translator):
    out = translator(["abc", "dab"])
    assert out["outputs"].dtype == tf.string and out["outputs"].shape == (2,)
    ids = np.asarray(out["ids"])
    expected = [" ".join(TARGET_VOCAB[i] for i in row if i > 3) for row in ids]
    assert [t.decode() for t in out["outputs"].numpy()] == expected
    if translator.config["search"] == "beam":
        direct = beam_search(encoder_decoder_parts(model), np.array([[2, 3, 4], [5, 2, 3]],
                                                                    "int32"),
                             start_id=2, end_id=3, max_length=MAX_LENGTH, beam_width=3,
                             forbidden_ids=(0, 1, 2))
        np.testing.assert_array_equal(ids, np.asarray(direct.ids))


def test_odd_inputs_give_defined_results(translator):
    out = translator(["", "ABC", "abc", "a#b?", "abcd" * 50])
    texts = [t.decode() for t in out["outputs"].numpy()]
    assert texts[0] == ""  # empty source -> empty output
    assert texts[1] == texts[2]  # upper case is standardized away
    assert isinstance(texts[3], str)  # unseen characters read as [UNK]
    ids = np.asarray(out["ids"])
    assert ids.shape == (5, MAX_LENGTH)  # a very long word still stops at max_length
    assert not np.isin(ids, [1, 2]).any()  # neither [UNK] nor <start> is ever emitted


def test_all_empty_batch(translator):
    out = translator(["", ""])
    assert [t.decode() for t in out["outputs"].numpy()] == ["", ""]


def test_rejects_bad_arguments(model):
    with pytest.raises(ValueError, match="source_vocabulary"):
        Translator(model, source_vocabulary=["a", "b"], target_vocabulary=TARGET_VOCAB)
    with pytest.raises(ValueError, match="search"):
        Translator(model, source_vocabulary=SOURCE_VOCAB, target_vocabulary=TARGET_VOCAB,
                   search="sampling")
    translator = Translator(model, source_vocabulary=SOURCE_VOCAB,
                            target_vocabulary=TARGET_VOCAB)
    with pytest.raises(ValueError, match="1-D"):
        translator([["abc"]])


def test_float_source_models_are_refused():
    model = encoder_decoder(source_input_dim=3, target_vocab_size=len(TARGET_VOCAB), units=4)
    with pytest.raises(ValueError, match="token sources"):
        Translator(model, source_vocabulary=SOURCE_VOCAB, target_vocabulary=TARGET_VOCAB)


def test_saved_model_round_trip(translator, tmp_path):
    """The translator saves as a SavedModel whose signature maps strings to strings."""
    words = tf.constant(["abc", "", "cab"])
    expected = translator(words)["outputs"].numpy()
    tf.saved_model.save(translator, str(tmp_path / "sm"),
                        signatures={"serving_default": translator.translate})
    restored = tf.saved_model.load(str(tmp_path / "sm"))
    got = restored.signatures["serving_default"](texts=words)["outputs"].numpy()
    np.testing.assert_array_equal(got, expected)


def test_codepoints_function_matches_strings_and_converts_to_builtin_tflite(translator, tmp_path):
    """The TFLite entry point: code points in, phoneme tokens out, builtin ops only."""
    words = ["cab", "DAB", "a?"]
    fn = translator.codepoints_function(max_source_length=8, batch_size=len(words))
    codepoints = np.zeros((len(words), 8), "int32")
    for i, word in enumerate(words):
        codepoints[i, :len(word)] = [ord(c) for c in word]
    out = fn(tf.constant(codepoints))
    expected = [t.decode() for t in translator(words)["outputs"].numpy()]
    joined = [" ".join(t.decode() for t in row if t) for row in out["tokens"].numpy()]
    assert joined == expected

    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    frozen = convert_variables_to_constants_v2(fn.get_concrete_function(),
                                               lower_control_flow=False)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    interpreter = tf.lite.Interpreter(model_content=converter.convert())
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], codepoints)
    interpreter.invoke()
    # A frozen concrete function loses the output names; the dtypes tell them apart.
    outputs = {d["dtype"]: interpreter.get_tensor(d["index"])
               for d in interpreter.get_output_details()}
    np.testing.assert_array_equal(outputs[np.int32], out["ids"].numpy())
    np.testing.assert_array_equal(outputs[np.bytes_], out["tokens"].numpy())
