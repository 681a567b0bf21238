# Two commands: `make run` and `make test`. Needs only Python 3.11+, git and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SOCIALRX_DATA ?= data/demo
PORT ?= 8501

.PHONY: run test lint format bench demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.run-installed $@

run: $(VENV)/.run-installed
	SOCIALRX_DATA=$(SOCIALRX_DATA) $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/bench.py

demo: $(VENV)/.run-installed
	$(BIN)/python -m socialrx demo --out data/demo
