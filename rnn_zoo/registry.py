"""Named model variants: `list_models(pattern)` and `get_model(name, **overrides)`.

A variant is data: a builder and the keyword arguments it is called with. Overrides replace
defaults, so `get_model("many_to_one_lstm", vocab_size=5000, num_classes=2)` adapts a variant
to a dataset without a new entry. Every variant is exercised by the registry-driven tests.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import importlib
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras


class _Builder:
    """A builder function named by its module, imported on first call or inspection.

    The registry is data that `rnn-zoo list` and `--help` read; naming the builders instead of
    importing them keeps Keras (and so TensorFlow) out of that path.
    """

    def __init__(self, module: str, name: str):
        self.__module__, self.__name__, self.__qualname__ = module, name, name

    def resolve(self) -> Callable[..., keras.Model]:
        return getattr(importlib.import_module(self.__module__), self.__name__)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self.resolve())

    @property
    def __doc__(self) -> str | None:
        return self.resolve().__doc__

    def __call__(self, **kwargs) -> keras.Model:
        return self.resolve()(**kwargs)

    def __eq__(self, other) -> bool:
        if isinstance(other, _Builder):
            return (self.__module__, self.__name__) == (other.__module__, other.__name__)
        return callable(other) and self.resolve() is other

    def __hash__(self) -> int:
        return hash((self.__module__, self.__name__))

    def __repr__(self) -> str:
        return f"<builder {self.__module__}.{self.__name__}>"


one_to_one = _Builder("rnn_zoo.topologies.one_to_one", "one_to_one")
one_to_many = _Builder("rnn_zoo.topologies.one_to_many", "one_to_many")
many_to_one = _Builder("rnn_zoo.topologies.many_to_one", "many_to_one")
many_to_many = _Builder("rnn_zoo.topologies.many_to_many", "many_to_many")
encoder_decoder = _Builder("rnn_zoo.topologies.encoder_decoder", "encoder_decoder")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A registered variant: `builder(**defaults, **overrides)` builds it."""

    name: str
    builder: Callable[..., keras.Model]
    defaults: Mapping[str, Any]
    description: str

    def __post_init__(self):
        # Read-only, so a caller cannot change a variant for everyone else.
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))

    @property
    def topology(self) -> str:
        return self.builder.__name__.removesuffix("_captioner")

    def build(self, **overrides) -> keras.Model:
        allowed = _parameters(self.builder)
        unknown = sorted(set(overrides) - allowed)
        if unknown:
            raise TypeError(
                f"get_model({self.name!r}): unknown argument(s) {', '.join(unknown)}; "
                f"{self.builder.__name__} accepts {', '.join(sorted(allowed))}."
            )
        kwargs = {"name": self.name, **self.defaults, **overrides}
        return self.builder(**kwargs)


def one_to_many_captioner(*, image_shape, filters=(32, 64), **kwargs) -> keras.Model:
    """`one_to_many` over a `conv_encoder` image encoder: an image in, a caption out."""
    from rnn_zoo.layers.encoders import conv_encoder

    encoder = conv_encoder(image_shape=image_shape, filters=filters)
    return one_to_many(encoder=encoder, **kwargs)


def _parameters(builder) -> set[str]:
    params = set(inspect.signature(builder).parameters)
    if builder is one_to_many_captioner:
        params = (params | _parameters(one_to_many)) - {
            "kwargs",
            "encoder",
            "input_dim",
            "vocab_size",
            "embedding_dim",
        }
    return params


_TEXT = {"vocab_size": 20_000, "embedding_dim": 128}
_CHARS = {"vocab_size": 68, "embedding_dim": 64, "num_classes": 68}
_SPECS = [
    # One-to-one: a feature vector through a single recurrent step (breast-cancer sized).
    *(
        ModelSpec(
            f"one_to_one_{cell}",
            one_to_one,
            {"cell": cell, "input_dim": 30, "num_classes": 2, "units": 32},
            f"{cell} over one step of a 30-feature vector, 2-class logits",
        )
        for cell in ("simple_rnn", "lstm", "gru")
    ),
    # One-to-many: RepeatVector decoders.
    *(
        ModelSpec(
            f"one_to_many_{cell}",
            one_to_many,
            {"cell": cell, "input_dim": 64, "steps": 8, "num_classes": 10, "units": 64},
            f"vector -> RepeatVector(8) -> {cell} -> 10 classes per step",
        )
        for cell in ("lstm", "gru")
    ),
    ModelSpec(
        "one_to_many_gru_cnn",
        one_to_many_captioner,
        {"cell": "gru", "image_shape": (8, 24, 1), "steps": 3, "num_classes": 10, "units": 64},
        "8x24 image -> small CNN -> RepeatVector(3) -> GRU -> a digit per step",
    ),
    # Many-to-one: text classification and series classification/regression.
    *(
        ModelSpec(
            f"many_to_one_{cell}",
            many_to_one,
            {"cell": cell, **_TEXT, "num_classes": 3, "units": 64},
            f"token ids -> {cell} last state -> 3-class logits",
        )
        for cell in ("simple_rnn", "lstm", "gru")
    ),
    ModelSpec(
        "many_to_one_bilstm",
        many_to_one,
        {
            "cell": "lstm",
            **_TEXT,
            "num_classes": 3,
            "units": 64,
            "num_layers": 2,
            "bidirectional": True,
            "dropout": 0.3,
            "pooling": "max",
        },
        "token ids -> 2-layer BiLSTM -> masked max pool -> 3-class logits",
    ),
    ModelSpec(
        "many_to_one_lstm_series",
        many_to_one,
        {"cell": "lstm", "input_dim": 12, "mask_value": 0.0, "num_classes": 9, "units": 64},
        "variable-length 12-channel series (zero-padded) -> LSTM -> 9-class logits",
    ),
    ModelSpec(
        "many_to_one_gru_forecast",
        many_to_one,
        {"cell": "gru", "input_dim": 1, "output_dim": 1, "units": 32},
        "window of a univariate series -> GRU -> next value",
    ),
    # Many-to-many, synced: next-character prediction (the lecture's motivating example).
    *(
        ModelSpec(
            f"many_to_many_{cell}",
            many_to_many,
            {"cell": cell, **_CHARS, "units": 256},
            f"character ids -> {cell} -> next-character logits at every step",
        )
        for cell in ("simple_rnn", "lstm", "gru")
    ),
    ModelSpec(
        "many_to_many_bigru_frames",
        many_to_many,
        {
            "cell": "gru",
            "input_dim": 12,
            "mask_value": 0.0,
            "num_classes": 9,
            "units": 64,
            "bidirectional": True,
        },
        "12-channel series frames -> BiGRU -> a class per frame (frame tagging)",
    ),
    # Encoder-decoder: translation-style sequence to sequence.
    *(
        ModelSpec(
            f"encoder_decoder_{cell}",
            encoder_decoder,
            {"cell": cell, "source_vocab_size": 64, "target_vocab_size": 96, "units": 256},
            f"{cell} encoder states -> {cell} decoder, teacher forcing",
        )
        for cell in ("lstm", "gru")
    ),
    ModelSpec(
        "encoder_decoder_gru_attention",
        encoder_decoder,
        {
            "cell": "gru",
            "source_vocab_size": 64,
            "target_vocab_size": 96,
            "units": 256,
            "attention": "luong",
        },
        "GRU encoder-decoder with Luong (dot) attention",
    ),
    ModelSpec(
        "encoder_decoder_bilstm_bahdanau",
        encoder_decoder,
        {
            "cell": "lstm",
            "source_vocab_size": 64,
            "target_vocab_size": 96,
            "units": 128,
            "bidirectional": True,
            "attention": "bahdanau",
        },
        "BiLSTM encoder, LSTM decoder with Bahdanau (additive) attention",
    ),
]
_REGISTRY: Mapping[str, ModelSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})


def list_models(pattern: str = "*") -> list[str]:
    """Names of the registered variants matching a shell-style `pattern`, sorted.

    Example:

    >>> from rnn_zoo import list_models
    >>> list_models("encoder_decoder_*")[:2]
    ['encoder_decoder_bilstm_bahdanau', 'encoder_decoder_gru']
    """
    if not isinstance(pattern, str):
        raise TypeError(f"`pattern` must be a str such as 'many_to_one_*', got {pattern!r}.")
    return sorted(name for name in _REGISTRY if fnmatch.fnmatchcase(name, pattern))


def get_spec(name: str) -> ModelSpec:
    """The `ModelSpec` registered as `name`; unknown names raise with the closest matches."""
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a registered model name (str), got {name!r}.")
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, _REGISTRY, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"Unknown model name {name!r}.{hint} See rnn_zoo.list_models() for all "
            f"{len(_REGISTRY)}."
        )
    return _REGISTRY[name]


def get_model(name: str, /, **overrides) -> keras.Model:
    """Builds the registered variant `name`, with `overrides` replacing its defaults.

    Example:

    >>> from rnn_zoo import get_model
    >>> model = get_model("many_to_one_lstm", vocab_size=1000, num_classes=2, units=16)
    >>> model.output_shape
    (None, 2)
    """
    return get_spec(name).build(**overrides)
