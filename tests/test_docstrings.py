"""The `>>>` examples in the public docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "rnn_zoo",
    "rnn_zoo.registry",
    "rnn_zoo.decoding.parts",
    "rnn_zoo.decoding.search",
    "rnn_zoo.decoding.translator",
    "rnn_zoo.evaluation",
    "rnn_zoo.losses",
    "rnn_zoo.topologies.one_to_one",
    "rnn_zoo.topologies.one_to_many",
    "rnn_zoo.topologies.many_to_one",
    "rnn_zoo.topologies.many_to_many",
    "rnn_zoo.topologies.encoder_decoder",
    "rnn_zoo.layers.pooling",
    "rnn_zoo.preprocessing.subword",
    "rnn_zoo.tasks._translation_scores",
    "rnn_zoo.baselines.word_dictionary",
]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    tests = [t for t in doctest.DocTestFinder().find(module, module_name) if t.examples]
    assert tests, f"{module_name} has no docstring examples"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} failing example(s) in {module_name}; see stdout"
