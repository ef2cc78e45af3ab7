"""`SearchDecoder`: a trained encoder-decoder and its search as one Keras layer.

Source ids in, decoded target ids out: the layer holds the teacher-forced model (its weights
are the layer's) and runs `greedy_search` or `beam_search` over its one-step parts in the
graph, so a functional model `strings -> vectorizer -> SearchDecoder -> detokenizer` saves to
one `.keras` file that translates when loaded, with no Python decoding loop around it.
"""

from __future__ import annotations

import weakref

import keras
from keras import ops

from rnn_zoo._validation import check_int
from rnn_zoo.decoding.parts import encoder_decoder_parts
from rnn_zoo.decoding.search import beam_search, check_beam_width, greedy_search

__all__ = ["SearchDecoder"]

# layer -> its EncoderDecoderParts. Kept off the layer: as an attribute, the parts' models
# would be walked by Keras saving as a second owner of the backbone's weights.
_PARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@keras.saving.register_keras_serializable(package="rnn_zoo")
class SearchDecoder(keras.layers.Layer):
    """`(batch, S)` source ids -> `{"ids": (batch, max_length), "scores": (batch,)}`.

    A row of `ids` holds the output tokens, then the end token, then 0s; `scores` are the
    summed log-probabilities of the emitted tokens. A source of padding only decodes to 0s
    (score 0), so an empty input has a defined, empty output.

    Args:
        backbone: a model built by `rnn_zoo.encoder_decoder` with token sources.
        start_id: id the decoder starts from.
        end_id: id that ends an output.
        beam_size: 1 for greedy search, more for beam search, at most the target vocabulary
            size (see `rnn_zoo.decoding.search.check_beam_width`).
        max_length: output steps at most, end token included.
        length_penalty: beam search's length normalisation exponent (>= 0).
        forbidden_ids: ids never emitted (default padding, OOV and the start id).

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import encoder_decoder
    >>> backbone = encoder_decoder(source_vocab_size=8, target_vocab_size=7, units=4)
    >>> found = SearchDecoder(backbone, beam_size=2, max_length=5)(np.array([[4, 5], [0, 0]]))
    >>> tuple(found["ids"].shape), found["ids"].numpy()[1].tolist()
    ((2, 5), [0, 0, 0, 0, 0])
    """

    def __init__(self, backbone, *, start_id: int = 2, end_id: int = 3, beam_size: int = 1,
                 max_length: int = 32, length_penalty: float = 0.0, forbidden_ids=None,
                 **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if not isinstance(backbone, keras.Model):
            raise TypeError(f"`backbone` must be a keras.Model built by rnn_zoo.encoder_decoder, "
                            f"got {type(backbone).__name__}.")
        parts = encoder_decoder_parts(backbone)
        if parts.encoder.inputs[0].dtype != "int32":
            raise ValueError("`backbone` must take token sources (`source_tokens`).")
        vocab = int(parts.decoder_step.output["logits"].shape[-1])
        self.backbone = backbone
        self.start_id = check_int("start_id", start_id, minimum=0)
        self.end_id = check_int("end_id", end_id, minimum=0)
        self.beam_size = check_beam_width(check_int("beam_size", beam_size), vocab=vocab,
                                          name="beam_size")
        self.max_length = check_int("max_length", max_length)
        if isinstance(length_penalty, bool) or not isinstance(length_penalty, (int, float)) \
                or not length_penalty >= 0:
            raise ValueError(f"`length_penalty` must be a number >= 0, got {length_penalty!r}.")
        self.length_penalty = float(length_penalty)
        self.forbidden_ids = (0, 1, self.start_id) if forbidden_ids is None else tuple(
            int(i) for i in forbidden_ids)
        _PARTS[self] = parts

    def build(self, input_shape=None):
        self.built = True

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        kwargs = {"start_id": self.start_id, "end_id": self.end_id,
                  "max_length": self.max_length, "forbidden_ids": self.forbidden_ids}
        if self.beam_size == 1:
            found = greedy_search(_PARTS[self], ids, **kwargs)
        else:
            found = beam_search(_PARTS[self], ids, beam_width=self.beam_size,
                                length_penalty=self.length_penalty, **kwargs)
        empty = ops.all(ops.equal(ids, 0), axis=1)
        return {"ids": ops.where(ops.expand_dims(empty, 1), 0, found.ids),
                "scores": ops.where(empty, 0.0, found.scores)}

    def compute_output_spec(self, ids):
        batch = ids.shape[0]
        return {"ids": keras.KerasTensor((batch, self.max_length), dtype="int32"),
                "scores": keras.KerasTensor((batch,), dtype="float32")}

    def get_config(self):
        backbone = keras.saving.serialize_keras_object(self.backbone)
        # Decoding needs no training state: without its compile config, loading builds no
        # optimizer, whose Adam moments would otherwise triple a saved model.keras.
        backbone.pop("compile_config", None)
        return {**super().get_config(),
                "backbone": backbone,
                "start_id": self.start_id, "end_id": self.end_id,
                "beam_size": self.beam_size, "max_length": self.max_length,
                "length_penalty": self.length_penalty,
                "forbidden_ids": list(self.forbidden_ids)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        backbone = keras.saving.deserialize_keras_object(config.pop("backbone"))
        return cls(backbone, **config)
