"""Inference for encoder-decoders: the trained model split into parts, and searches in the graph.

- `encoder_decoder_parts(model)`: an encoder model and a one-step decoder made of the trained
  layers (exactly what the teacher-forced model computes, one step at a time).
- `greedy_search` / `beam_search`: decoding loops written with `keras.ops.while_loop`, so they
  run inside a `tf.function`, export with the model, and also run on JAX.
- `step_model` / `initial_state` / `run_steps` / `prefill_model` / `generate`: streaming, the
  recurrent state carried at inference (one-step models of unidirectional stacks, and sampling
  from a language model in one graph loop).
- `Translator`: a `tf.Module` that maps a batch of raw strings to decoded strings (vectorization,
  search and detokenization in one graph), the thing that SavedModel and TFLite export.
"""

from rnn_zoo.decoding.parts import EncoderDecoderParts, encoder_decoder_parts
from rnn_zoo.decoding.search import SearchResult, beam_search, greedy_search
from rnn_zoo.decoding.streaming import (
    generate,
    generation_loop,
    initial_state,
    prefill_model,
    run_steps,
    step_model,
)

__all__ = [
    "EncoderDecoderParts",
    "SearchResult",
    "Translator",
    "beam_search",
    "encoder_decoder_parts",
    "generate",
    "generation_loop",
    "greedy_search",
    "initial_state",
    "prefill_model",
    "run_steps",
    "step_model",
]


def __getattr__(name):
    # `Translator` handles strings, so it needs TensorFlow; importing it lazily keeps the
    # searches usable on the JAX and torch backends without TensorFlow installed.
    if name == "Translator":
        from rnn_zoo.decoding.translator import Translator

        return Translator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
