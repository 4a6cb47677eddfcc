# Simplepipe: product, reference platform and test harness.
#   make install          .venv with everything (and, unless PLATFORM=kind, Debian's servers where apt is available)
#   make up / e2e / down  the platform and the end-to-end scenarios (PLATFORM=local|kind)
#   make submit TENANT=alice WORKFLOW=FILE [ARGS="-p k=v"]   run a workflow as a tenant and watch it
#   make list|get|logs|watch|delete TENANT=alice [NAME=wf] [ARGS=--metrics|--follow]   a tenant's workflows
#   make test             unit, integration, offline validation and local e2e tests
SHELL := /bin/bash
.DEFAULT_GOAL := help

PLATFORM ?= local
TENANT ?= alice
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HARNESS := $(PY) -m harness --platform $(PLATFORM)

.PHONY: help install system-packages test unit integration e2e validate bench up down status env \
        submit list get logs watch delete dashboards snapshot load image lint clean charts

help:
	@grep -E '^#   ' Makefile | sed 's/^#   //'

install: $(STAMP)

# Debian's prometheus, prometheus-pushgateway and wrk; skipped where there is no apt
# (the harness then finds the binaries on PATH or downloads the official release).
system-packages:
	@./platform/local/install-system-packages.sh

$(STAMP): pyproject.toml
	@if [ "$(PLATFORM)" = kind ]; then \
	  echo "PLATFORM=kind: skipping the local backend's system packages (prometheus, pushgateway, wrk)"; \
	else $(MAKE) --no-print-directory system-packages; fi
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all]'
	@touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider -q tests

# One folder per layer (tests/conftest.py marks each test with its folder, so `-m unit` selects the same).
unit: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider -q tests/unit

integration: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider -q tests/integration

validate: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider -q tests/validate

# The pinned upstream charts of platform/charts.yaml, assembled and verified into .cache/charts (ignored by git):
# from git mirrors (CHART_MIRRORS=<folder of <owner>+<name>/repo>) or GitHub's archive of each tag.
CHART_MIRRORS ?=
charts: $(STAMP)
	$(PY) -m harness.kind.charts $(if $(CHART_MIRRORS),--mirrors $(CHART_MIRRORS),--download)

bench: $(STAMP)
	$(PY) -m load.bench

up: $(STAMP)
	$(HARNESS) up

down: $(STAMP)
	$(HARNESS) down

status: $(STAMP)
	$(HARNESS) status

env: $(STAMP)
	@$(HARNESS) env $(TENANT)

# A tenant's Argo verbs (python -m harness submit --help: flags and exit codes; docs/tenant-cli.md).
submit: $(STAMP)
	@test -n "$(WORKFLOW)" || { echo "make submit TENANT=alice WORKFLOW=scenarios/alice-app/workflow.yaml" >&2; exit 2; }
	@$(HARNESS) submit --tenant $(TENANT) $(WORKFLOW) --watch $(ARGS)

list: $(STAMP)
	@$(HARNESS) list --tenant $(TENANT) $(ARGS)

get logs watch delete: $(STAMP)
	@test -n "$(NAME)" || { echo "make $@ TENANT=alice NAME=<workflow> (make list TENANT=alice)" >&2; exit 2; }
	@$(HARNESS) $@ --tenant $(TENANT) $(NAME) $(ARGS)

# The scenarios against the running platform, then its report (.state/<platform>/e2e/index.html) opened in
# headless Chromium; the report's path is the last line.
# E2E_SELECT narrows the run (a pytest -k expression, e.g. "test_scenarios and alice").
E2E_REPORT := .state/$(PLATFORM)/e2e
E2E_SELECT ?=
e2e: $(STAMP)
	@rm -rf $(E2E_REPORT)
	@SIMPLEPIPE_E2E_PLATFORM=$(PLATFORM) SIMPLEPIPE_E2E_REQUIRE_RUNNING=1 \
	  $(PY) -m pytest -p no:cacheprovider -q tests/e2e -k "$(PLATFORM)$(if $(E2E_SELECT), and ($(E2E_SELECT)))" \
	  -p tests.support.e2e_report; status=$$?; \
	if [ -f $(E2E_REPORT)/index.html ]; then \
	  SIMPLEPIPE_E2E_REPORT=$(E2E_REPORT) $(PY) -m pytest -p no:cacheprovider -q tests/e2e/test_report_in_browser.py \
	    || status=1; \
	  echo "e2e report: $(E2E_REPORT)/index.html"; \
	else echo "e2e report: none written (the run ended before its platform fixture did)"; status=1; fi; \
	exit $$status

# The kind backend packs dashboards/kubernetes into a chart: render it again with them.
dashboards: $(STAMP)
	$(PY) -m dashboards.build
	$(PY) -m harness.kind.render

snapshot: $(STAMP)
	$(PY) -m dashboards.snapshot --platform $(PLATFORM)

load: $(STAMP)
	$(PY) -m load.run --platform $(PLATFORM) $(LOAD_ARGS)

image: $(STAMP)
	$(PY) -m harness --platform kind image

# hadolint for the images, actionlint (with shellcheck when on PATH) for the CI workflows.
lint: $(STAMP)
	$(VENV)/bin/hadolint simplepipe/Dockerfile load/Dockerfile
	$(VENV)/bin/actionlint .github/workflows/*.yml

clean:
	rm -rf $(VENV) .state
