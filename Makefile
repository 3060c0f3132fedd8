# Two commands for a newcomer (see README.md):
#   make run    set up, train if needed, and start the assistant
#   make test   set up, train if needed, and run every check
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
PIP_PIN   := pip==24.0
NLP_DIR   := build/spacy/en_ipt
# The web chat's socket.io client, vendored from the npm registry (no CDN).
WEB_JS    := web/node_modules/socket.io-client/dist/socket.io.min.js
MODEL     := models/ipt-assistant.tar.gz
# Everything that goes into training; Rasa's own fingerprinting then decides
# which components actually retrain.
TRAIN_INPUTS := config.yml build/domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(NLP_DIR)/meta.json

export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 3
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONDONTWRITEBYTECODE ?= 1

FORCE:

.PHONY: FORCE help setup nlp train run shell test lint validate pytest rasa-test bench eval clean browser prod-packages prod-local

help:
	@echo "make run    set up, train if needed, start the assistant (REST on :5005, actions on :5055)"
	@echo "make test   set up, train if needed, run lint, data validation, pytest and test stories"
	@echo "make shell  chat with the assistant in the terminal"
	@echo "make prod-local  the production topology here: nginx, 2 Rasa + 2 action servers, PostgreSQL, Redis"
	@echo "make bench  measure start-up, memory and reply time (report in docs/benchmarks.md)"
	@echo "make eval   score crisis detection and IPT questions (docs/crisis-eval.md, docs/psychoeducation-eval.md)"
	@echo "make clean  remove the virtualenv, builds and models (keeps var/ conversations)"

$(STAMP): requirements.lock pyproject.toml scripts/find-python310.sh scripts/pip-check.sh bot/nlp/sentence_encoder.yml
	@python310="$$(scripts/find-python310.sh)"; \
	  if [ ! -x "$(PY)" ] || ! "$(PY)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
	    rm -rf "$(VENV)"; echo "Creating $(VENV) with $$python310"; "$$python310" -m venv "$(VENV)"; \
	  fi
	$(PY) -m pip install --quiet --no-input "$(PIP_PIN)"
	@# --no-deps: the lock lists every package, so nothing unpinned can slip in.
	$(PY) -m pip install --quiet --no-input --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-input --no-deps --no-build-isolation -e .
	scripts/pip-check.sh $(PY)
	@# The crisis layer's model files are there and are the recorded ones.
	$(PY) -m bot.nlp.sentence_encoder
	@touch $@

setup: $(STAMP) nlp $(WEB_JS)

$(WEB_JS): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "error: the web chat needs npm (Node.js) to install its socket.io client"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

nlp: $(NLP_DIR)/meta.json

# The builder compares a fingerprint of its inputs and, when nothing that matters
# changed, leaves meta.json untouched so that training is not triggered.
$(NLP_DIR)/meta.json: $(STAMP) content/nlp/relationships.yml bot/nlp/pipeline.py bot/nlp/lemmatizer.py
	@$(PY) -m bot.nlp.pipeline

# The domain is domain.yml plus the crisis replies for the clinic's locale (.env);
# the builder rewrites it only when its content changes.
build/domain.yml: FORCE $(STAMP)
	@$(PY) -m bot.domain_build

$(MODEL): $(STAMP) $(TRAIN_INPUTS)
	$(PY) -m bot.training

train: setup $(MODEL)

run: train
	$(PY) -m bot.launcher run

shell: train
	$(PY) -m bot.launcher shell

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

validate: $(STAMP) build/domain.yml
	$(PY) -m bot.data_validation

# Debian's Chromium, which the dashboard's browser tests drive.
browser:
	@scripts/install-debian-packages.sh "the browser tests" /usr/bin/chromium=chromium

# Debian's servers for the production topology (bot/topology.py) and its tests.
prod-packages:
	@scripts/install-debian-packages.sh "the production topology" /usr/sbin/nginx=nginx-light \
	  /usr/bin/redis-server=redis-server '/usr/lib/postgresql/*/bin/postgres=postgresql'

pytest: train browser prod-packages
	$(PY) -m pytest

# PostgreSQL, Redis, two Rasa and two action servers behind nginx, on loopback
# (docs/production.md). State in var/prod-local; nginx on PROD_LOCAL_PORT.
prod-local: train prod-packages
	$(PY) -m bot.topology

rasa-test: train
	$(VENV)/bin/ipt-rasa test core --model $(MODEL) --stories tests/test_stories.yml \
	  --fail-on-prediction-errors --out results/core --no-plot

# Cheapest checks first, as in CI: lint, data validation, then the trained model.
test: lint validate pytest rasa-test
	@echo "All checks passed."

bench: train prod-packages
	$(PY) -m benchmarks.startup
	$(PY) -m benchmarks.logging_load
	$(PY) -m benchmarks.long_conversation
	$(PY) -m benchmarks.dashboard
	$(PY) -m benchmarks.scale
	$(PY) -m benchmarks.hostile
	$(PY) -m benchmarks.crisis_latency

# Crisis detection per layer, on the team suite and ../shared/eval-data, the risk
# classifier's settings in cross-validation (docs/risk-models.md), and the
# questions about IPT per NLU pipeline on held-out examples (reports in docs/).
eval: train
	$(PY) -m benchmarks.crisis_eval
	$(PY) -m benchmarks.risk_models
	$(PY) -m benchmarks.psychoeducation_eval

clean:
	rm -rf $(VENV) build models .rasa results .pytest_cache .ruff_cache *.egg-info
