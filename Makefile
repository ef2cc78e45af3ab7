# Two commands on a fresh machine:
#   make demo   set up .venv, then run the main job
#   make test   set up .venv, then run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo tour test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[data,test]"
	touch $(STAMP)

setup: $(STAMP)

# The main job: a recipe end to end (data -> model -> train -> test metrics next to baselines
# -> metrics.json + model.keras -> SavedModel + TFLite, parity-checked in a process without
# rnn_zoo), then text from the committed pretrained preset. It writes only under runs/ (the
# prepared dataset too), and a second `make demo` starts the run afresh (--overwrite).
DEMO := runs/demo/char_lm_shakespeare
demo: $(STAMP)
	$(VENV)/bin/rnn-zoo train char_lm_shakespeare --profile quick --out $(DEMO) \
		--data-dir runs/tensorflow_datasets --overwrite --verbose 2
	$(VENV)/bin/rnn-zoo export $(DEMO) --formats saved_model tflite --out $(DEMO)/export
	$(VENV)/bin/rnn-zoo predict char_lm_shakespeare --prompt "ROMEO:" --length 300

# Every registry model, one epoch on its real dataset, one table.
tour: $(STAMP)
	$(PY) -m rnn_zoo.demo

# Two xdist workers (CI has two cores; tests/conftest.py gives each one CPU thread);
# loadgroup keeps the tests of one expensive session fixture on one worker. A plain
# `pytest tests/x.py` still runs in one process.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 --dist loadgroup --durations=25

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
