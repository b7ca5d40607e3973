# indexops: `make demo` runs a DPI rebalance, a leverage token's price drop and its COMP claim preview on the sandbox; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.indexops-installed

.PHONY: setup demo test lint bench lock clean-sandbox

setup: $(STAMP)

# Installs exactly the versions in requirements.lock (the ranges stay in pyproject.toml).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test,lint]'
	$(BIN)/indexops sandbox install
	touch $(STAMP)

DEMO_PLAN := .demo/dpi.plan.json

demo: setup
	$(BIN)/indexops sandbox up
	$(BIN)/indexops status dpi
	$(BIN)/indexops plan dpi --out $(DEMO_PLAN)
	$(BIN)/indexops execute $(DEMO_PLAN) --account 1 --trader 3 --warp --yes
	$(BIN)/indexops status dpi
	$(BIN)/indexops sandbox price WETH --to 3000
	$(BIN)/indexops status eth2x-fli
	$(BIN)/indexops sandbox price WETH --to 2550
	$(BIN)/indexops status eth2x-fli
	$(BIN)/indexops claim-comp eth2x-fli --dry-run
	$(BIN)/indexops rewards claim pix --dry-run

test: setup
	$(BIN)/python -m pytest

# ruff (lint and format) and mypy, clean on indexops/; CI runs it before the tests.
lint: setup
	$(BIN)/ruff check indexops
	$(BIN)/ruff format --check indexops
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/status_round_trips.py
	$(BIN)/python bench/split_optimality.py
	$(BIN)/python bench/planning_speed.py
	$(BIN)/python bench/execution_cost.py
	$(BIN)/python bench/execution_gas.py
	$(BIN)/python bench/flaky_rpc.py
	$(BIN)/python bench/sandbox_up.py
	$(BIN)/python bench/keeper_crash_day.py

# Re-resolve requirements.lock from pyproject.toml's ranges (after changing a dependency).
lock: setup
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra lint --python-version 3.11 --no-header --annotation-style line -o requirements.lock

clean-sandbox:
	-$(BIN)/indexops sandbox down
