# MPS Assistant: `make setup && make run`, and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY_APP   := $(shell scripts/find-python.sh 3.11+ PYTHON3 2>/dev/null)
PY_RASA  := $(shell scripts/find-python.sh 3.10 PYTHON310 2>/dev/null)
APP      := .venv/bin/python
RASA     := PYTHONPATH=$(CURDIR) .venv-rasa/bin/rasa
RASA_PY  := PYTHONPATH=$(CURDIR) .venv-rasa/bin/python
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
RASA_DATA   := --data build/data --domain build/domain --config build/config.yml
NLU_TEST    ?=
CHART_JS    := web/static/vendor/chart.umd.min.js

.PHONY: help setup envs db run stack test train eval bench loadtest lint lock build validate test-stories test-py clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: envs $(CHART_JS) .env db train  ## create both envs from the locks, migrate the database, train the model if needed

# Each step prints one line; the tools' own output goes to a log that is shown
# only when the step fails.
define logged
@mkdir -p var/log; ( $(2) ) > var/log/$(1).log 2>&1 || { tail -40 var/log/$(1).log; echo "failed: see var/log/$(1).log"; exit 1; }
endef

# A lock is installed by uv (its version pinned in app.lock, put into the env by pip
# first): 20 s for the app env and 50 s for Rasa's with empty caches, where pip took
# 80 s and 100 s. Where uv cannot be had or fails, pip installs the same lock.
UV_PIN := $(shell grep -m1 '^uv==' requirements/app.lock)
define install_lock
$(1)/bin/pip install --quiet "$(UV_PIN)" && $(1)/bin/uv pip install --python $(1)/bin/python -r $(2) \
  || { echo "uv failed: pip installs $(2)"; $(1)/bin/pip install --upgrade pip && $(1)/bin/pip install -r $(2); }
endef

envs:  ## both envs from the locks, side by side
	@$(MAKE) --no-print-directory -q .venv/.stamp .venv-rasa/.stamp \
	  || $(MAKE) --no-print-directory -j2 .venv/.stamp .venv-rasa/.stamp

.venv/.stamp: requirements/app.lock
	@test -n "$(PY_APP)" || scripts/find-python.sh 3.11+ PYTHON3
	@echo "setup: app env (.venv, $(PY_APP)) from requirements/app.lock"
	$(call logged,pip-app,$(PY_APP) -m venv .venv && $(call install_lock,.venv,requirements/app.lock))
	@touch $@

.venv-rasa/.stamp: requirements/rasa.lock
	@test -n "$(PY_RASA)" || scripts/find-python.sh 3.10 PYTHON310
	@echo "setup: Rasa env (.venv-rasa, $(PY_RASA)) from requirements/rasa.lock; a minute or two the first time"
	$(call logged,pip-rasa,$(PY_RASA) -m venv .venv-rasa && $(call install_lock,.venv-rasa,requirements/rasa.lock))
	@touch $@

# The scorecard's charts: Chart.js as package-lock.json pins it, copied where the
# console serves its static files. Without npm the scorecard keeps its tables.
$(CHART_JS): package-lock.json
	@if command -v npm > /dev/null; then \
	  echo "setup: console charts (Chart.js) from package-lock.json"; \
	  mkdir -p var/log $(@D); \
	  npm ci --ignore-scripts --no-audit --no-fund > var/log/npm.log 2>&1 \
	    || { tail -20 var/log/npm.log; echo "failed: see var/log/npm.log"; exit 1; }; \
	  cp node_modules/chart.js/dist/chart.umd.min.js $@; \
	else echo "setup: npm not found: the scorecard shows its tables without charts"; fi

.env: | .venv/.stamp
	@sed -e "s/^PSEUDONYM_SECRET=.*/PSEUDONYM_SECRET=$$($(APP) -c 'import secrets; print(secrets.token_hex(32))')/" \
	     -e "s/^REFERENCE_SECRET=.*/REFERENCE_SECRET=$$($(APP) -c 'import secrets; print(secrets.token_hex(32))')/" .env.example > .env
	@echo "wrote .env with fresh PSEUDONYM_SECRET and REFERENCE_SECRET; add TELEGRAM_BOT_TOKEN there"

db: .venv/.stamp .env  ## apply the migrations; load the demo stations into an empty database
	@echo "setup: database migrations and demo stations"
	@$(APP) -m bot.admin db upgrade
	@$(APP) -m bot.admin stations import data/stations/demo.yml --if-empty

build:  ## compile data/faq, data/nlu and the utter_* of texts/ into build/
	$(APP) -m nlu.build
	@touch build/.stamp

# What the model is trained from; the model is rebuilt only when one of them is
# newer (Rasa's own cache in .rasa/ is too small to keep a whole model). The
# tracker stores, the REST channel, the probes and metrics and the evaluation
# tools are read at run time, not trained.
TRAIN_INPUTS := config.yml data/emergency.yml data/report_routing.yml \
	$(shell find data/nlu data/faq data/rules data/stations domain nlu texts -name '*.yml' -o -name '*.py' \
	  | grep -v -e __pycache__ -e tracker_store -e lock_store -e channel.py -e answered.py \
	      -e crossval -e evaluate -e probes.py -e turn_metrics.py)

# --skip-validation: `make validate` (part of `make test`) runs Rasa's data checks;
# inside `rasa train` they would parse all of build/data's YAML a second time, which
# was about half of the training time.
train: models/mps.tar.gz  ## build the data and train the model (skipped when nothing changed)

# build/ once for training, `make validate` and the story tests (15 s each time): again
# only when what nlu/build.py reads or runs has changed.
BUILD_INPUTS := $(TRAIN_INPUTS) $(wildcard data/*.yml) $(shell find mps -name '*.py')

build/.stamp: $(BUILD_INPUTS) | .venv/.stamp
	@echo "build: compiling data/ into build/"
	@$(APP) -m nlu.build
	@touch $@

models/mps.tar.gz: $(TRAIN_INPUTS) | build/.stamp .venv/.stamp .venv-rasa/.stamp
	@echo "train: training the model (a minute or two; log in var/log/train.log)"
	@mkdir -p var/log; start=$$(date +%s.%N); \
	  $(RASA) train $(RASA_DATA) --skip-validation --out models --fixed-model-name mps --quiet > var/log/train.log 2>&1 \
	    || { tail -40 var/log/train.log; echo "failed: see var/log/train.log"; exit 1; }; \
	  $(APP) -c "import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 1))" \
	    $$(date +%s.%N) $$start > models/train_seconds.txt
	@touch $@
	@echo "train: models/mps.tar.gz ($$(du -h models/mps.tar.gz | cut -f1), $$(cat models/train_seconds.txt) s)"

run: setup  ## start Rasa, the action server and the bot; Ctrl-C stops them all
	$(APP) scripts/run.py

stack: .venv/.stamp .venv-rasa/.stamp .env train  ## the production topology behind nginx: BOT_REPLICAS, RASA_REPLICAS, ACTION_REPLICAS
	$(APP) scripts/topology.py

validate: build/.stamp
	$(RASA) data validate $(RASA_DATA) --max-history 5

test-stories: build/.stamp  ## Rasa conversation tests, each flow in each language
	$(RASA) test core --model models/mps.tar.gz --stories tests/stories --fail-on-prediction-errors --out results/stories

# pytest-xdist: one worker a core (TEST_WORKERS=0: none); tests/conftest.py says which
# tests share a worker. The slowest tests are listed at the end: where CI's time goes.
TEST_WORKERS ?= auto
test-py:  ## pytest, on every core
	$(APP) -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=15

# Rasa's data checks and story tests (two minutes, one core at most) run beside pytest,
# their output in var/log/test-rasa.log (shown when they fail); `make test` fails when
# either fails.
test: setup  ## the whole suite (what CI runs)
	@mkdir -p var/log; rm -f results/stories/story_report.json
	@echo "test: make validate test-stories beside pytest (log in var/log/test-rasa.log)"
	@$(MAKE) --no-print-directory validate test-stories > var/log/test-rasa.log 2>&1 & rasa=$$!; \
	  $(MAKE) --no-print-directory test-py; py=$$?; \
	  wait $$rasa; stories=$$?; \
	  if [ $$stories -ne 0 ]; then tail -60 var/log/test-rasa.log; fi; \
	  $(APP) scripts/story_summary.py results/stories/story_report.json $$stories; \
	  exit $$(( py || stories ))

eval: build  ## NLU evaluation on the held-out split (and NLU_TEST=file.yml)
	$(RASA_PY) -m nlu.evaluate --model models/mps.tar.gz --heldout build/eval/heldout.yml $(if $(NLU_TEST),--extra $(NLU_TEST))

bench: setup  ## latency and throughput through the emulator, with the whole pipeline
	$(APP) -m tests.bench

loadtest: .venv/.stamp .venv-rasa/.stamp .env train  ## make stack under open-loop load and faults (LOADTEST_SECONDS, LOADTEST_REPLICAS); var/loadtest.json
	$(APP) -m tests.loadtest

lint:  ## ruff and mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

lock:  ## re-resolve requirements/*.in into the lock files
	rm -rf /tmp/mps-lock-app && $(PY_APP) -m venv /tmp/mps-lock-app && /tmp/mps-lock-app/bin/pip install --quiet -r requirements/app.in && (echo "# Exact versions of the app env (pip freeze of requirements/app.in); \`make lock\` rewrites it."; /tmp/mps-lock-app/bin/pip freeze) > requirements/app.lock
	rm -rf /tmp/mps-lock-rasa && $(PY_RASA) -m venv /tmp/mps-lock-rasa && /tmp/mps-lock-rasa/bin/pip install --quiet -r requirements/rasa.in && (echo "# Exact versions of the Rasa env (pip freeze of requirements/rasa.in); \`make lock\` rewrites it."; /tmp/mps-lock-rasa/bin/pip freeze) > requirements/rasa.lock

clean:  ## remove build output and models (not the envs)
	rm -rf build models results .pytest_cache .mypy_cache .ruff_cache
