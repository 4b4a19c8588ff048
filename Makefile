# The two commands: `make demo` and `make test`. Everything else is what they are made of.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv generate check test docs bench demo clean browser redis

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=..." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,emulator,docs]'
	touch $(STAMP)

generate: $(STAMP)
	$(BIN)/python -m generator

check: $(STAMP)
	$(BIN)/python -m generator --check
	$(BIN)/python -m mypy generated/smsc generator tests bench docs/hooks
	$(BIN)/python -m ruff check runtime generated generator tests bench docs/hooks
	$(BIN)/python -m ruff format --check runtime generated generator tests bench docs/hooks

# Debian's Chromium and its driver for the web inbox tests (CI runs as root; a developer may need sudo).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing Debian's chromium and chromium-driver for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
		|| { echo "could not install chromium and chromium-driver: install them (as root) and re-run" >&2; exit 1; }; \
	fi

# Debian's redis-server for the task-queue tests: a real broker, started by the tests on a free port.
redis:
	@if ! command -v redis-server >/dev/null 2>&1; then \
		echo "installing Debian's redis-server for the task-queue tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server \
		|| { echo "could not install redis-server: install it (as root) and re-run" >&2; exit 1; }; \
	fi

# The suite in two worker processes (pytest-xdist); PYTEST_WORKERS=0 runs it in this process.
# --dist loadfile: a file's tests run in order in one worker, so module fixtures (an emulator, a
# browser, the docs site) start once and no test depends on which of its neighbours ran first.
PYTEST_WORKERS ?= 2

test: check browser redis
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# The documentation site (mkdocs-material, API reference from the docstrings) into site/.
# `make test` builds it too, with --strict, in tests/test_docs.py.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/http_send.py
	$(BIN)/python bench/import_time.py
	$(BIN)/python bench/segments.py
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/smpp_submit.py
	$(BIN)/python bench/callbacks.py
	$(BIN)/python bench/emulator_reset.py
	$(BIN)/python bench/async_send.py
	$(BIN)/python bench/bulk.py
	$(BIN)/python bench/soap.py
	$(BIN)/python bench/faults.py
	$(BIN)/python bench/hostile_reply.py

demo: $(STAMP)
	$(BIN)/python -m smsc.emulator.demo

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis site
