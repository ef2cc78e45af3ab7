"""Attention for the encoder-decoder, as stock Keras layers with fixed names."""

from __future__ import annotations

from keras import layers

ATTENTIONS = (None, "luong", "bahdanau")


def attention_layers(attention: str, units: int) -> dict:
    """Creates the attention layers of kind `attention` (`"luong"` or `"bahdanau"`).

    The dict keys are roles (`query`, `key`, `score`, `concat`, `combine`); the layer names are
    fixed so the inference path can find trained layers with `model.get_layer`.
    """
    found = {}
    if attention == "bahdanau":
        found["query"] = layers.Dense(units, use_bias=False, name="attention_query")
        found["key"] = layers.Dense(units, use_bias=False, name="attention_key")
        found["score"] = layers.AdditiveAttention(name="attention")
    else:
        found["score"] = layers.Attention(score_mode="dot", name="attention")
    found["concat"] = layers.Concatenate(name="attention_concat")
    found["combine"] = layers.Dense(units, activation="tanh", name="attention_combine")
    return found


def apply_attention(
    parts: dict, decoder_outputs, encoder_outputs, *, source_mask=None, return_scores=False
):
    """Attends from decoder outputs over encoder outputs with the layers in `parts`.

    Shared by training (masks travel with the tensors) and the one-step inference decoder
    (the source mask is passed explicitly), so both compute exactly the same function.
    """
    query, value, key = decoder_outputs, encoder_outputs, encoder_outputs
    if "query" in parts:
        query, key = parts["query"](decoder_outputs), parts["key"](encoder_outputs)
    kwargs = {} if source_mask is None else {"mask": [None, source_mask, source_mask]}
    # Always ask for the scores: a Keras layer first called without them cannot be re-called
    # symbolically with them (the extra output is left unconnected), and inference needs them.
    context, scores = parts["score"]([query, value, key], return_attention_scores=True, **kwargs)
    combined = parts["combine"](parts["concat"]([context, decoder_outputs]))
    return (combined, scores) if return_scores else combined


def attention_layers_of(model) -> dict | None:
    """The trained attention layers of an encoder-decoder, by role; None without attention."""
    names = {layer.name for layer in model.layers}
    if "attention" not in names:
        return None
    roles = {
        "query": "attention_query",
        "key": "attention_key",
        "score": "attention",
        "concat": "attention_concat",
        "combine": "attention_combine",
    }
    return {role: model.get_layer(n) for role, n in roles.items() if n in names}
