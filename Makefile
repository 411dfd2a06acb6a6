# Custody Portal. `make run` starts the whole portal with embedded defaults; `make test` runs
# every test. Both work on a fresh machine with python3 (3.11+) and make.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
SANDBOX_PORT ?= 8100
export SANDBOX_PORT

# Dummy values for the variables production settings require, so `check --deploy` can load
# them. None of them is used to connect anywhere.
DEPLOY_CHECK_ENV := DJANGO_SETTINGS_MODULE=custody_portal.settings.production \
	DJANGO_SECRET_KEY=lint-only-7yQ2vK9pLm4xR8tW3zB6nC1dF5gH0jS2uE4iO7aY9qX3wV6 \
	DJANGO_ALLOWED_HOSTS=portal.example.com \
	DATABASE_URL=postgres://portal@db.example.com:5432/portal \
	REDIS_URL=redis://redis.example.com:6379/0 \
	BALANCE_API_URL=https://balance.example.com \
	BALANCE_ACCESS_ID=lint-access-id \
	BALANCE_SECRET_KEY=lint-secret-key \
	BALANCE_NETWORK=mainnet

.PHONY: help venv run test lint bench chromium

help:
	@echo "make run    start the portal (web, worker, beat, sandbox, redis) on http://127.0.0.1:8000/"
	echo "make test   run the whole test suite (installs Debian chromium when root)"
	echo "make lint   ruff, manage.py check, makemigrations --check, check --deploy"
	echo "make bench  run the benchmarks in bench/"
	echo "make venv   create .venv and install requirements-dev.txt"

venv: $(STAMP)
	@:

# Reinstall only when a requirements file changed since the last install.
$(STAMP): requirements.txt requirements-dev.txt
	@if [ ! -x $(PYTHON) ]; then
	  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	    || { echo "Python 3.11+ is required (python3 is $$(python3 --version 2>&1))." >&2; exit 1; }
	  echo "Creating $(VENV)…"
	  python3 -m venv $(VENV)
	fi
	echo "Installing requirements-dev.txt into $(VENV)…"
	$(PYTHON) -m pip install -qq --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Honcho runs the long-lived processes of the Procfile and stops them all when one exits or
# on Ctrl-C. The embedded Redis and the sandbox only run when their URL is not configured.
run: venv
	@export PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
	python manage.py migrate --no-input --verbosity 0
	procs="worker beat web"
	if [ -z "$${REDIS_URL:-}" ]; then procs="redis $$procs"; redis="embedded, unix socket var/redis.sock"
	else redis="REDIS_URL ($$(printf %s "$$REDIS_URL" | sed -E 's#//[^@/]*@#//***@#'))"; fi
	if [ -z "$${BALANCE_API_URL:-}" ]; then procs="sandbox $$procs"; balance="sandbox http://127.0.0.1:$(SANDBOX_PORT) (demo data, demo credentials)"
	else balance="$$BALANCE_API_URL"; fi
	echo
	echo "================================ Custody Portal ================================"
	echo "  portal   http://127.0.0.1:8000/   (Django admin: /admin/, API docs: /api/docs/)"
	echo "  balance  $$balance"
	echo "  redis    $$redis"
	python manage.py seed_demo | sed 's/^/  /'
	echo "  payouts  draft one as 'operator' at /payouts/new/, approve it as 'approver' with a code"
	echo "           from the authenticator above (or set one up at /account/two-factor/)."
	echo "  Ctrl-C stops every process."
	echo "================================================================================"
	echo
	exec honcho start $$procs

# Playwright drives the Debian chromium; it never downloads its own browsers.
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi
	if [ "$$(id -u)" = 0 ]; then
	  echo "Installing Debian chromium for the browser tests…"
	  export DEBIAN_FRONTEND=noninteractive
	  apt-get update -qq
	  apt-get install -y -qq --no-install-recommends chromium >/dev/null
	else
	  echo "$(CHROMIUM) is missing: run 'sudo apt-get install chromium' once, then 'make test'." >&2
	  exit 1
	fi

test: venv chromium
	@$(PYTHON) -m pytest

lint: venv
	@set -x
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PYTHON) manage.py check
	$(PYTHON) manage.py makemigrations --check --dry-run
	$(DEPLOY_CHECK_ENV) $(PYTHON) manage.py check --deploy --fail-level WARNING

# Benchmarks are scripts, not tests: each bench/*.py prints its own table.
bench: venv
	@shopt -s nullglob
	scripts=()
	for f in bench/*.py; do case "$$(basename $$f)" in _*) ;; *) scripts+=("$$f");; esac; done
	if [ $${#scripts[@]} -eq 0 ]; then echo "No benchmarks in bench/ yet."; exit 0; fi
	for f in "$${scripts[@]}"; do
	  echo "== $$f"
	  PYTHONPATH="$(CURDIR)" $(PYTHON) "$$f"
	done
