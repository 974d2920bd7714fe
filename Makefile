# Every routine task of the project. A new user needs two: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.10
VENV := .venv
BIN := $(VENV)/bin
# The `rasa` command with this project's set-up (rasa_ext/launcher.py): same arguments.
RASA := $(BIN)/python -m rasa_ext
# The project's own Python packages (every top-level folder with an __init__.py), for mypy.
PACKAGES := $(filter-out tests,$(sort $(patsubst %/__init__.py,%,$(wildcard */__init__.py))))
STAMP := $(VENV)/.installed
MODEL := models/current.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find nlu bot -name '*.yml' -o -name '*.txt' -o -name '*.py' 2>/dev/null)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore

.PHONY: install train run migrate calibrate browser test test-unit test-stories validate lint typecheck bench clean

install: $(STAMP)

# One pip pass over the full lock so nothing upgrades past a Rasa pin; a second
# `make install` finds the stamp newer than the lock and does nothing.
$(STAMP): requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.10 is required (pyenv: 'pyenv install 3.10'; .python-version selects it)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<24.1"
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip check
	touch $(STAMP)

train: $(MODEL)

# Retrain when the model is missing or older than any of its training inputs.
$(MODEL): $(STAMP) $(TRAINING_INPUTS)
	$(RASA) train --data nlu bot --config config.yml --domain domain.yml --out models --fixed-model-name current
	touch $(MODEL)

var/endpoints.yml: $(STAMP) endpoints.yml scripts/render_endpoints.py FORCE
	@mkdir -p var
	$(BIN)/python scripts/render_endpoints.py

FORCE:

run: $(MODEL) var/endpoints.yml migrate
	@echo "Starting Rasa (5005), the action server (5055) and the backend (8000) under supervisord:"
	@echo "a process that dies is restarted, the others keep running. Ctrl-C stops all three."
	@echo "Sample portal page with the chat widget: http://127.0.0.1:8000/"
	@$(BIN)/python -W ignore -m connectors.status 2>/dev/null
	$(BIN)/python scripts/supervise.py -f Procfile

migrate: $(STAMP)
	$(BIN)/python -m backend migrate

# Refit the knowledge-base retriever's answer confidence after the seed entries change.
calibrate: $(STAMP)
	$(BIN)/python -m knowledge.calibration

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: the browser tests will be skipped"; fi; }

validate: $(STAMP)
	$(RASA) data validate --data nlu bot --fail-on-warnings

lint: $(STAMP) typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy $(PACKAGES)

test-unit: $(MODEL) browser
	$(BIN)/python -m pytest -q tests

# Test conversations in English, Chinese and mixed, with the real NLU pipeline.
test-stories: $(MODEL)
	$(RASA) test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --out results/stories

test: validate lint test-unit test-stories

bench: $(MODEL)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf models results var/endpoints.yml
