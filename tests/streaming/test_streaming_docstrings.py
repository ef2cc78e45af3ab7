"""The `>>>` examples of the streaming modules run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module_name",
                         ["rnn_zoo.decoding.streaming", "rnn_zoo.exporters.stateful"])
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    found = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert found.failed == 0
    assert found.attempted > 0
