# Two commands: `make demo` and `make test`. Both set everything up first (idempotent).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo test lint format bench clean

install: system-deps $(STAMP)

# System packages: espeak-ng gives pyttsx3 a voice. ffmpeg comes from imageio-ffmpeg.
system-deps:
	@bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,cluster]'
	@touch $(STAMP)

demo: install
	$(BIN)/voicecoach build hamstring-release -o output/hamstring-release.mp3

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) output/*.mp3 output/*.json output/*.vtt output/*.txt
