"""Bad arguments raise a clear error: the right type, naming the argument and the bad value."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import keras
import pytest

import rnn_zoo
from rnn_zoo.layers.encoders import conv_encoder

BUILDERS = {
    "one_to_one": rnn_zoo.one_to_one,
    "one_to_many": rnn_zoo.one_to_many,
    "many_to_one": rnn_zoo.many_to_one,
    "many_to_many": rnn_zoo.many_to_many,
    "encoder_decoder": rnn_zoo.encoder_decoder,
}
# Valid tiny arguments per builder; each case changes one thing.
BASE = {
    "one_to_one": dict(input_dim=3, num_classes=2, units=2),
    "one_to_many": dict(input_dim=3, steps=2, num_classes=2, units=2),
    "many_to_one": dict(vocab_size=11, num_classes=2, units=2),
    "many_to_many": dict(vocab_size=11, num_classes=2, units=2),
    "encoder_decoder": dict(source_vocab_size=11, target_vocab_size=9, units=2),
}
ALL = tuple(BUILDERS)
WITH_BIDIRECTIONAL = ("one_to_many", "many_to_one", "many_to_many", "encoder_decoder")
WITH_HEAD = ("one_to_one", "one_to_many", "many_to_one", "many_to_many")
SEQUENCE_INPUTS = ("many_to_one", "many_to_many")
# The names of each builder's two input kinds (token ids, float features).
INPUT_KINDS = {
    "one_to_one": ("vocab_size", "input_dim"),
    "one_to_many": ("vocab_size", "input_dim"),
    "many_to_one": ("vocab_size", "input_dim"),
    "many_to_many": ("vocab_size", "input_dim"),
    "encoder_decoder": ("source_vocab_size", "source_input_dim"),
}


class Case(NamedTuple):
    builder: str
    changes: dict[str, Any]
    error: type[Exception]
    needles: tuple[str, ...]  # every one must appear in the message

    @property
    def id(self):
        shown = ",".join(f"{k}={v!r}" for k, v in self.changes.items())
        return f"{self.builder}-{shown}"


def one_argument(name, value, error, builders):
    """The same bad value of one argument, for every builder that takes it."""
    return [Case(b, {name: value}, error, (f"`{name}`", repr(value))) for b in builders]


def inputs_without_kind(builder):
    tokens, floats = INPUT_KINDS[builder]
    return {tokens: None, floats: None}


CASES = [
    # Recurrent arguments shared by every builder.
    *one_argument("cell", "transformer", ValueError, ALL),
    *one_argument("cell", "LSTM", ValueError, ALL),
    *one_argument("units", 0, ValueError, ALL),
    *one_argument("units", -1, ValueError, ALL),
    *one_argument("units", 2.5, TypeError, ALL),
    *one_argument("units", True, TypeError, ALL),
    *one_argument("units", "4", TypeError, ALL),
    *one_argument("num_layers", 0, ValueError, ALL),
    *one_argument("num_layers", -2, ValueError, ALL),
    *one_argument("num_layers", 1.0, TypeError, ALL),
    *one_argument("dropout", 1.0, ValueError, ALL),
    *one_argument("dropout", -0.1, ValueError, ALL),
    *one_argument("dropout", "0.1", TypeError, ALL),
    *one_argument("dropout", True, TypeError, ALL),
    *one_argument("recurrent_dropout", 1.0, ValueError, ALL),
    *one_argument("recurrent_dropout", -0.1, ValueError, ALL),
    *one_argument("recurrent_dropout", 1.5, ValueError, ALL),
    *one_argument("recurrent_dropout", None, TypeError, ALL),
    *one_argument("unroll", 1, TypeError, ALL),
    *one_argument("unroll", "yes", TypeError, ALL),
    *one_argument("bidirectional", 1, TypeError, WITH_BIDIRECTIONAL),
    *one_argument("bidirectional", "yes", TypeError, WITH_BIDIRECTIONAL),
    *one_argument("logits", 1, TypeError, ALL),
    *one_argument("logits", None, TypeError, ALL),
    *one_argument("name", "", TypeError, ALL),
    *one_argument("name", 3, TypeError, ALL),
    *one_argument("embedding_dim", 0, ValueError, ALL),
    *one_argument("embedding_dim", 8.0, TypeError, ALL),
    # Inputs: exactly one kind, and a vocabulary that holds more than the padding id.
    *[
        Case(
            b, inputs_without_kind(b), ValueError, (*(f"`{k}`" for k in INPUT_KINDS[b]), "neither")
        )
        for b in ALL
        if b != "one_to_many"
    ],
    *[
        Case(
            b,
            {INPUT_KINDS[b][0]: 11, INPUT_KINDS[b][1]: 3},
            ValueError,
            tuple(f"`{k}`" for k in INPUT_KINDS[b]) + ("got `",),
        )
        for b in ALL
        if b != "one_to_many"
    ],
    *[
        Case(
            b,
            {**inputs_without_kind(b), INPUT_KINDS[b][0]: v},
            ValueError,
            (f"`{INPUT_KINDS[b][0]}`", repr(v), ">= 2"),
        )
        for b in ALL
        for v in (1, 0)
    ],
    *[
        Case(
            b,
            {**inputs_without_kind(b), INPUT_KINDS[b][0]: 11.0},
            TypeError,
            (f"`{INPUT_KINDS[b][0]}`", "11.0"),
        )
        for b in ALL
    ],
    *[
        Case(
            b,
            {**inputs_without_kind(b), INPUT_KINDS[b][1]: 0},
            ValueError,
            (f"`{INPUT_KINDS[b][1]}`", "0"),
        )
        for b in ALL
    ],
    Case(
        "one_to_many",
        {"input_dim": None},
        ValueError,
        ("`input_dim`", "`vocab_size`", "`encoder`", "neither"),
    ),
    Case(
        "one_to_many",
        {"vocab_size": 11},
        ValueError,
        ("`input_dim`", "`vocab_size`", "got `input_dim`, `vocab_size`"),
    ),
    *[
        Case(b, {"mask_value": 0.0}, ValueError, ("`mask_value`", "0.0", "vocab_size"))
        for b in SEQUENCE_INPUTS
    ],
    *[
        Case(
            b,
            {"vocab_size": None, "input_dim": 3, "mask_value": v},
            TypeError,
            ("`mask_value`", repr(v)),
        )
        for b in SEQUENCE_INPUTS
        for v in ("0", True)
    ],
    *one_argument("sequence_length", 0, ValueError, SEQUENCE_INPUTS),
    *one_argument("sequence_length", 5.0, TypeError, SEQUENCE_INPUTS),
    # Outputs: exactly one head.
    *[
        Case(
            b,
            {"num_classes": 2, "output_dim": 2},
            ValueError,
            ("`num_classes`", "`output_dim`", "got `num_classes`, `output_dim`"),
        )
        for b in WITH_HEAD
    ],
    *[
        Case(
            b,
            {"num_classes": None, "output_dim": None},
            ValueError,
            ("`num_classes`", "`output_dim`", "neither"),
        )
        for b in WITH_HEAD
    ],
    *one_argument("num_classes", 0, ValueError, WITH_HEAD),
    *one_argument("num_classes", 2.0, TypeError, WITH_HEAD),
    *[
        Case(b, {"num_classes": None, "output_dim": 0}, ValueError, ("`output_dim`", "0"))
        for b in WITH_HEAD
    ],
    # Topology-specific rules.
    *one_argument("pooling", "sum", ValueError, ("many_to_one",)),
    *one_argument("pooling", None, ValueError, ("many_to_one",)),
    *one_argument("steps", 0, ValueError, ("one_to_many",)),
    *one_argument("steps", -3, ValueError, ("one_to_many",)),
    *one_argument("steps", 2.5, TypeError, ("one_to_many",)),
    Case("one_to_many", {"input_dim": None, "encoder": "cnn"}, TypeError, ("`encoder`", "str")),
    Case(
        "one_to_many",
        {"input_dim": None, "encoder": keras.layers.Dense(3)},
        TypeError,
        ("`encoder`", "Dense"),
    ),
    Case("one_to_many", {"encoder": "cnn"}, ValueError, ("`input_dim`", "`encoder`")),
    *one_argument("attention", "dot", ValueError, ("encoder_decoder",)),
    *one_argument("attention", "Luong", ValueError, ("encoder_decoder",)),
    *one_argument("decoder_cell", "transformer", ValueError, ("encoder_decoder",)),
    Case(
        "encoder_decoder",
        {"cell": "lstm", "decoder_cell": "gru"},
        ValueError,
        ("`decoder_cell`='gru'", "`cell`='lstm'"),
    ),
    Case(
        "encoder_decoder",
        {"cell": "gru", "decoder_cell": "lstm"},
        ValueError,
        ("`decoder_cell`='lstm'", "`cell`='gru'"),
    ),
    Case(
        "encoder_decoder",
        {"cell": "simple_rnn", "decoder_cell": "lstm"},
        ValueError,
        ("`decoder_cell`='lstm'", "`cell`='simple_rnn'"),
    ),
    Case(
        "encoder_decoder",
        {"decoder_bidirectional": True},
        ValueError,
        ("`decoder_bidirectional`", "True"),
    ),
    *one_argument("decoder_bidirectional", "no", TypeError, ("encoder_decoder",)),
    *[
        Case(
            "encoder_decoder",
            {"target_vocab_size": v},
            ValueError,
            ("`target_vocab_size`", repr(v), ">= 2"),
        )
        for v in (1, 0)
    ],
    Case(
        "encoder_decoder", {"target_vocab_size": None}, TypeError, ("`target_vocab_size`", "None")
    ),
]


@pytest.mark.parametrize("builder", ALL)
def test_base_arguments_are_valid(builder):
    """The baseline every case starts from builds, so each failure comes from its change."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", rnn_zoo.CuDNNIneligibleWarning)
        assert isinstance(BUILDERS[builder](**BASE[builder]), keras.Model)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_argument(case: Case):
    kwargs = {**BASE[case.builder], **case.changes}
    with pytest.raises(case.error) as info:
        BUILDERS[case.builder](**kwargs)
    message = str(info.value)
    assert type(info.value) is case.error
    for needle in case.needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    assert "\n" not in message  # one line


def test_every_rule_is_covered_for_every_builder_that_takes_it():
    """Guards the table above: each shared argument is tested with every builder taking it."""
    import inspect

    tested = {(case.builder, key) for case in CASES for key in case.changes}
    for builder, function in BUILDERS.items():
        for param in inspect.signature(function).parameters:
            assert (builder, param) in tested, f"{builder}({param}=...) has no bad-value case"


# conv_encoder and the captioner variant that uses it.

IMAGE_CASES = [
    ({"image_shape": (8, 24)}, ValueError, ("`image_shape`", "(8, 24)")),
    ({"image_shape": (8, 24, 1, 1)}, ValueError, ("`image_shape`", "(8, 24, 1, 1)")),
    ({"image_shape": "8x24x1"}, ValueError, ("`image_shape`", "'8x24x1'")),
    ({"image_shape": None}, ValueError, ("`image_shape`", "None")),
    ({"image_shape": (8, 0, 1)}, ValueError, ("`image_shape[1]`", "0")),
    ({"image_shape": (8, 24, 1.0)}, TypeError, ("`image_shape[2]`", "1.0")),
    ({"filters": ()}, ValueError, ("`filters`", "()")),
    ({"filters": 8}, ValueError, ("`filters`", "8")),
    ({"filters": (4, 0)}, ValueError, ("`filters[1]`", "0")),
]


@pytest.mark.parametrize(("changes", "error", "needles"), IMAGE_CASES, ids=str)
def test_conv_encoder_bad_arguments(changes, error, needles):
    kwargs = {"image_shape": (8, 24, 1), "filters": (4,), **changes}
    with pytest.raises(error) as info:
        conv_encoder(**kwargs)
    assert type(info.value) is error
    for needle in needles:
        assert needle in str(info.value)


@pytest.mark.parametrize(("changes", "error", "needles"), IMAGE_CASES[:5], ids=str)
def test_captioner_variant_bad_image_shape(changes, error, needles):
    with pytest.raises(error) as info:
        rnn_zoo.get_model("one_to_many_gru_cnn", units=2, **changes)
    for needle in needles:
        assert needle in str(info.value)


def test_conv_encoder_valid():
    encoder = conv_encoder(image_shape=(4, 6, 1), filters=(2, 3))
    assert isinstance(encoder, keras.Model)
    assert encoder.output_shape == (None, 1 * 6 * 3)
