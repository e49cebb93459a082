# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HYPOTHESIS_PROFILE ?= $(if $(CI),ci,dev)

.PHONY: run test lint bench bench-shapes install clean

EXTRAS := dev,prove,s3,audit,dask,sigma,plot

# uv installs the same packages from the same index in seconds instead of minutes;
# plain pip is the fallback when uv cannot be installed.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv || true
	if $(BIN)/python -m uv --version >/dev/null 2>&1; then \
		$(BIN)/python -m uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[$(EXTRAS)]'; \
	else \
		$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'; \
	fi
	# Bytecode now, as pip and a wheel install would (uv does not by default): the CLI
	# starts faster when Python does not write it itself (PYTHONDONTWRITEBYTECODE).
	$(BIN)/python -m compileall -q engine
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/trailreplay scan samples/ --format table

lint: $(STAMP)
	$(BIN)/ruff check engine tests benchmarks plugins tools
	$(BIN)/ruff format --check engine tests benchmarks plugins tools
	$(BIN)/mypy
	$(BIN)/python tools/import_cycles.py

test: $(STAMP) lint
	$(BIN)/trailreplay patterns check
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[bench]' || \
		$(BIN)/python -m pip install --quiet -e '.[bench]' || true
	$(BIN)/python -m benchmarks.shapes
	# One repetition of the 1 GB tree keeps the whole run near 15 minutes on an idle machine;
	# `python -m benchmarks.run --repeat 2` for the best of two.
	$(BIN)/python -m benchmarks.run --repeat 1
	$(BIN)/python -m benchmarks.hostile

# Only the archive shapes of issue 12 (small files, S3 at 50 ms per request, large files):
# about 2 minutes on an idle machine.
bench-shapes: $(STAMP)
	$(BIN)/python -m benchmarks.shapes

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
