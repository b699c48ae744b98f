# Two commands on a fresh machine (Python 3.11 + make): `make run` and `make test`.
# Each creates .venv and installs the locked dependencies when they are missing or stale.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test unit lint bench bench-history bench-portfolio bench-api bench-intake clean-var

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

## Run the whole local stack in the foreground (Ctrl-C stops everything it started).
run: install
	$(BIN)/recovery up

## Run every test (integration tests start their own Temporal, SeaweedFS; PostgreSQL at 127.0.0.1:5432).
## The end-to-end stack tests run in a second pytest beside the rest (tests/split.py; RECOVERY_TEST_SERIAL=1: one).
test: install
	$(BIN)/python -m tests.split

unit: install
	$(BIN)/python -m pytest -q -m "not integration"

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy domain workflows activities documents store workers api infra bench settings.py cli.py

## Letters/s of plain docxtpl vs the prepared renderer vs the full pipeline (one core).
bench: install
	$(BIN)/python -m documents.bench

## ms per GET /matters/{id}/history of a ~5,000-event matter: the old full read vs pages (own Temporal dev server).
bench-history: install
	$(BIN)/python -m api.bench_history

## A portfolio through the real local stack vs the engine's bound; letters/s vs trivial activities.
## BENCH_ARGS: e.g. "--matters 300 --workers 2 --kill" or "--letters 10000" (see python -m bench.portfolio -h).
bench-portfolio: install
	$(BIN)/python -m bench.portfolio $(BENCH_ARGS)

## API reads (list, filters, deep pages, detail) on a PostgreSQL projection of 100,000 matters.
## BENCH_ARGS: e.g. "--matters 20000 --concurrency 10" (PostgreSQL: RECOVERY_BENCH_PG_URL, an admin URL).
bench-api: install
	$(BIN)/python -m bench.api $(BENCH_ARGS)

## Intake and reads while letters are produced, on the real local stack, render niceness 0 vs 10.
## BENCH_ARGS: e.g. "--backlog 600 --intakes 200" (see python -m bench.intake -h).
bench-intake: install
	$(BIN)/python -m bench.intake $(BENCH_ARGS)

clean-var:
	rm -rf var

## Re-pin every dependency after changing pyproject.toml (commit the result).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --all --exclude-editable | grep -v -E '^(pip|recovery)==' > requirements.lock
