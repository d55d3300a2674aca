# simfleet.twilio: every set-up step lives here, so a fresh clone needs only `make demo` or `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Each virtual environment installs exactly the versions of its lock file in tests/locks/ (see tests/gates/venv.sh);
# the Python of each is found by the gate scripts (PYTHON=/path/to/python3.12+ overrides it for .venv and .venv-tools).
ifdef PYTHON
export PYTHON
endif
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
TOOLS := $(CURDIR)/.venv-tools/bin
COLLECTIONS := $(CURDIR)/build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/simfleet/twilio
GATES := tests/gates
TIMED := $(GATES)/timed.sh
# ansible-core lines of the sanity/unit matrix, from tests/gates/core-lines.txt
CORE_LINES := $(shell awk '!/^\#/ && NF { print $$1 }' tests/gates/core-lines.txt)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1
export PATH := $(BIN):$(PATH)

.PHONY: help venv collection unit e2e check test demo demo-events clean deps tools matrix sanity units lint galaxy ee docs \
        changelog version test-gates timings pybin lock test-latest pins simulator integration \
        $(addprefix sanity-,$(CORE_LINES)) $(addprefix units-,$(CORE_LINES)) $(addprefix venv-,$(CORE_LINES))

help:
	@echo "make demo        run the fleet audit against the bundled Twilio simulator"
	@echo "make demo-events a rulebook reacting to signed SIM events that the simulator sends (needs Java: make deps)"
	@echo "make test        run every test and gate (all of the below)"
	@echo "make check       the quick loop: unit, e2e and sanity on the newest ansible-core line"
	@echo "make unit        unit tests (pytest tests/unit) and the pin checks (tests/gates) in .venv"
	@echo "make e2e         end-to-end tests (pytest tests/e2e) against the simulator, and the simulator's own tests, in .venv"
	@echo "make simulator   the simulator's own tests alone (pytest tests/simulator/tests) in .venv"
	@echo "make integration ansible-test integration (tests/integration/targets) on ansible-core $(lastword $(CORE_LINES))"
	@echo "make matrix      ansible-test sanity + unit tests on ansible-core $(CORE_LINES), one venv each"
	@echo "make sanity-X    ansible-test sanity on ansible-core X (units-X: unit tests on X)"
	@echo "make lint        ansible-lint --profile production, antsibull-docs and antsibull-changelog lint"
	@echo "make galaxy      build the tarball, run Galaxy's importer, install it and load every plugin"
	@echo "make ee          ansible-builder introspect + create on meta/execution-environment.yml"
	@echo "make docs        build the HTML docs site with antsibull-docs + Sphinx into build/docs"
	@echo "make changelog   regenerate CHANGELOG.rst from changelogs/ (antsibull-changelog generate)"
	@echo "make version     write plugins/module_utils/_version.py from galaxy.yml's version (after changing it)"
	@echo "make lock        rewrite the pins (tests/locks/*.txt) from the newest releases of each venv's requirements"
	@echo "make test-latest the whole suite on the newest releases instead of the pins, then what changed"
	@echo "make clean       remove venvs and build output"

venv:
	@$(GATES)/venv.sh test

collection: $(COLLECTION_LINK)
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

unit: venv collection
	$(TIMED) "unit (.venv)" $(GATES)/pytest.sh $(BIN)/python tests/unit tests/gates

# The pin checks alone (make test runs tests/unit once per ansible-core line, the newest in a venv identical to .venv).
pins: venv collection tools $(addprefix venv-,$(CORE_LINES))
	$(TIMED) "pin checks (.venv)" $(GATES)/pytest.sh $(BIN)/python tests/gates

# The simulator's own tests live beside it (tests/simulator/tests); the e2e suite runs them in the same session.
SIMULATOR_TESTS := tests/simulator/tests
e2e: deps venv collection
	$(TIMED) "e2e (2.21, .venv)" $(GATES)/pytest.sh $(BIN)/python $(SIMULATOR_TESTS) tests/e2e

simulator: venv collection
	$(TIMED) "simulator tests (.venv)" $(GATES)/pytest.sh $(BIN)/python $(SIMULATOR_TESTS)

# ansible-test integration on the newest ansible-core line, on a copy of the collection of its own; every target
# starts and stops the simulator it needs.
integration: deps venv-$(lastword $(CORE_LINES))
	$(TIMED) "integration $(lastword $(CORE_LINES))" $(GATES)/integration.sh

# The quick loop for daily work: unit and end-to-end tests, and sanity on the newest ansible-core line.
check:
	@mkdir -p build/gates && rm -f build/gates/timings.tsv
	@rc=0; $(MAKE) --no-print-directory -k unit e2e sanity-$(lastword $(CORE_LINES)) || rc=$$?; \
	$(MAKE) --no-print-directory timings; exit $$rc

# System tools the gates need (Debian packages): shellcheck for the sanity test of that name, rsync
# to copy the collection into an ansible_collections/ tree, a Java 17 runtime (openjdk-17-jre-headless)
# for ansible-rulebook when `java` is missing, and Chromium for the report pages' checks in a real browser.
deps:
	@missing=""; for t in shellcheck rsync chromium; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	    || { echo "FAILED: cannot install$$missing; install them and re-run"; exit 1; }; \
	fi

# Lint, docs, importer and builder tools: apart from .venv (galaxy-importer pins ansible-lint and flake8 itself).
tools:
	@$(GATES)/venv.sh tools

# `make lock`: the newest releases of every environment's top-level requirements, written to tests/locks/*.txt
# (commit the result after `make test` passes on it). `make test-latest`: the whole suite on the newest releases
# instead of the pins (venvs rebuilt unpinned; the next `make test` rebuilds them pinned), then what differs.
lock:
	$(GATES)/venv.sh --lock tools $(CORE_LINES)

test-latest:
	@rm -f build/gates/drift.txt
	@rc=0; GATES_PINS=latest $(MAKE) --no-print-directory test || rc=$$?; \
	echo; echo "newest releases against the locks (tests/locks/):"; cat build/gates/drift.txt 2>/dev/null; \
	echo "make test-latest: $$([ $$rc = 0 ] && echo passed || echo FAILED) on the newest releases; 'make lock' adopts them"; \
	exit $$rc

# One venv per ansible-core line (.venv-LINE, tests/requirements.txt with that line's ansible-core, tests/locks/core-LINE.txt).
$(addprefix venv-,$(CORE_LINES)): venv-%:
	@$(GATES)/core-line.sh venv $*

# Symlinks to the real Pythons, made once before sanity runs in parallel (build/pybin).
pybin:
	@$(GATES)/core-line.sh pybin

$(addprefix sanity-,$(CORE_LINES)): sanity-%: deps collection pybin venv-%
	$(TIMED) "sanity $*" $(GATES)/core-line.sh sanity $*

$(addprefix units-,$(CORE_LINES)): units-%: collection venv-%
	$(TIMED) "units $*" $(GATES)/core-line.sh units $*

sanity: $(addprefix sanity-,$(CORE_LINES))
units: $(addprefix units-,$(CORE_LINES))
matrix: sanity units

lint: tools collection
	$(TIMED) "lint" $(GATES)/lint.sh

galaxy: tools $(addprefix venv-,$(CORE_LINES))
	$(TIMED) "galaxy build+importer+install" $(GATES)/galaxy.sh

ee: tools
	$(TIMED) "ee (ansible-builder)" $(GATES)/ee.sh

docs: tools collection
	$(TIMED) "docs site" $(GATES)/docs.sh

changelog: tools collection
	PATH="$(TOOLS):$$PATH" antsibull-changelog generate

# The version is written by hand in galaxy.yml only; this writes plugins/module_utils/_version.py from it (the
# modules' User-Agent; a unit test fails while the two differ).
version: venv collection
	$(BIN)/python tests/unit/plugins/module_utils/test_version.py --write

# Every gate runs (make -k) so one run reports every finding; any failure fails `make test`.
# The e2e suite (it has timing assertions) runs in the foreground. Beside it, one after the other: first the gates
# without timing assertions (the venvs, sanity on every line, ansible-test integration, the Galaxy and builder gates)
# at the lowest priority (nice 19), so they take nothing from it; then the unit tests on every ansible-core line
# (units-LINE; the newest line's venv is identical to .venv) and the pin checks, one at a time at normal priority,
# on the core the e2e suite leaves idle (their bounded-time tests need a core that is not starved). Their output
# follows the e2e suite's. Lint and the docs site run last, one after the other: antsibull-docs, when it overlapped
# with other gates, reported spurious "Unknown target name" errors for every plugin that the same check did not report
# alone.
GATES_JOBS ?= 2
BACKGROUND_GATES := $(addprefix sanity-,$(CORE_LINES)) integration galaxy ee
BESIDE_GATES := $(addprefix units-,$(CORE_LINES)) pins
test:
	@mkdir -p build/gates && rm -f build/gates/timings.tsv build/gates/skipped.txt build/gates/dependency-warnings.txt
	@start=$$(date +%s); rc=0; $(MAKE) --no-print-directory -k test-gates || rc=$$?; \
	printf 'make test (total)\t%s\t%s\n' $$(( $$(date +%s) - start )) $$([ $$rc = 0 ] && echo ok || echo FAILED) >> build/gates/timings.tsv; \
	$(MAKE) --no-print-directory timings; \
	if [ $$rc != 0 ]; then echo "make test: FAILED (see the FAILED lines above)"; else echo "make test: all gates passed"; fi; \
	exit $$rc

test-gates:
	@rc=0; $(MAKE) --no-print-directory -k deps venv collection || rc=1; \
	echo "beside the e2e suite: tools pybin $(BACKGROUND_GATES) at nice 19, then $(BESIDE_GATES) one at a time"; \
	{ bg=0; nice -n 19 $(MAKE) --no-print-directory -k -j$(GATES_JOBS) --output-sync=target tools pybin $(BACKGROUND_GATES) \
	    > build/gates/background.log 2>&1 || bg=1; \
	  $(MAKE) --no-print-directory -k $(BESIDE_GATES) > build/gates/beside.log 2>&1 || bg=1; exit $$bg; } & background=$$!; \
	$(MAKE) --no-print-directory -k e2e || rc=1; \
	wait $$background || rc=1; \
	echo; echo "=== output of the background gates ($(BACKGROUND_GATES)) ==="; cat build/gates/background.log; \
	echo; echo "=== output of the gates beside the e2e suite ($(BESIDE_GATES)) ==="; cat build/gates/beside.log; \
	$(MAKE) --no-print-directory lint || rc=1; \
	$(MAKE) --no-print-directory docs || rc=1; \
	exit $$rc

timings:
	@echo; echo "step timings (seconds):"; column -t -s $$'\t' build/gates/timings.tsv 2>/dev/null || true
	@if [ -s build/gates/skipped.txt ]; then echo; cat build/gates/skipped.txt; fi
	@if [ -s build/gates/dependency-warnings.txt ]; then echo; echo "warnings of dependencies (not failures;" \
	  "see README, Requirements):"; sort -u build/gates/dependency-warnings.txt; fi

demo: venv collection
	bash tests/demo.sh

# The rulebook simfleet.twilio.sim_rejected (ansible-rulebook, which needs Java: `make deps`) reacting to signed
# Connection Events sent by the simulator, offline; output in demo-output/events/.
demo-events: venv collection
	@command -v java >/dev/null || $(MAKE) --no-print-directory deps
	$(BIN)/python tests/demo_events.py

clean:
	rm -rf $(VENV) .venv-* build tests/output demo-output .ansible importer_result.json simfleet-twilio-*.tar.gz
