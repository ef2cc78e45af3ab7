"""The runnable `>>>` examples of rnn_zoo.export run and print what they say (exports are
`+SKIP`ped: they write files and start the parity runner)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["rnn_zoo.exporters", "rnn_zoo.exporters.api", "rnn_zoo.exporters.servable"]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    tests = [t for t in doctest.DocTestFinder().find(module, module_name) if t.examples]
    assert tests, f"{module_name} has no docstring examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in {module_name}"
