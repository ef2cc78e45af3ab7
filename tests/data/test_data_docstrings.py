"""The docstring examples of rnn_zoo.data run and give the documented output."""

import doctest
import importlib

import pytest

MODULES = ["bucketing", "pipeline", "tasks", "text", "windows"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"rnn_zoo.data.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
