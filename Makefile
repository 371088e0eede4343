# The two commands of the README: `make run` and `make test`. Also `make bench`, `make lint`,
# `make security`, and `make cluster` / `make cluster-test` (docs/deploy.md, "Beyond one VM").
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test lint security bench cluster cluster-test clean

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Set up and serve the demo on http://127.0.0.1:$(PORT) (the mail sender runs alongside). Its links
## (mail, the walk-in slip, documents) point there too: LK_SITE_URL, which the demo company takes.
run: export LK_SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Сайт: http://127.0.0.1:$(PORT)"
	@$(FLASK) mail send-pending --loop >/dev/null & sender=$$!; \
	trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## The whole suite: unit, request, mail, browser tests (SQLite, or DATABASE_URL).
test: $(VENV)/.installed-dev
	$(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

## The house style, mechanically: ruff's checks (imports sorted, complexity at most 15) and its format.
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check app tests bench deploy config.py wsgi.py gunicorn.conf.py
	$(VENV)/bin/ruff format --check app tests bench deploy config.py wsgi.py gunicorn.conf.py

## Static analysis of app/ (bandit) and known vulnerabilities of requirements.txt (pip-audit).
security: $(VENV)/.installed-dev
	$(VENV)/bin/bandit -r app -q
	bash .ci/pip-audit

bench: $(VENV)/.installed-dev
	$(VENV)/bin/python -m bench

## On loopback, from Debian's packages (postgresql-15, redis-server, nginx; run as root): PostgreSQL,
## Redis, two app servers with their mail senders and periodic commands, nginx in front with
## deploy/nginx/lk-site.conf, the demo data. Prints the address; Ctrl-C stops everything.
cluster: $(VENV)/.installed-dev
	$(VENV)/bin/python -m deploy.cluster

## The same cluster, proven: the browser journeys and bench's mixed load through nginx while an app
## server is killed and started again, PostgreSQL and Redis restarted (deploy/cluster_check.py).
cluster-test: $(VENV)/.installed-dev
	LK_REQUIRE_BROWSER=1 $(VENV)/bin/python -m deploy.cluster_check

clean:
	rm -rf $(VENV) test-artifacts
