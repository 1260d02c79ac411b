# The two commands: `make run` (set up and serve the demo) and `make test` (set up and test).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: run test bench lint lock mutation translations extract-messages db-upgrade clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs come from the lock files: every package, direct or indirect, at one version, checked
# against its hashes. requirements*.txt say what the project asks for; `make lock` resolves them.
$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# After changing requirements.txt or requirements-dev.txt: resolve again from PyPI (uv, pinned
# here; the development lock is held to the runtime one, so both install the same versions).
UV_VERSION := 0.13.9
LOCK_OPTIONS := --generate-hashes --python-version 3.11 --index-url https://pypi.org/simple --custom-compile-command "make lock" --quiet
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile requirements.txt $(LOCK_OPTIONS) -o requirements.lock
	$(BIN)/uv pip compile requirements-dev.txt --constraint requirements.lock $(LOCK_OPTIONS) -o requirements-dev.lock

# Compiled message catalogues (.mo) are build output, made from the committed .po files.
translations: $(VENV)/.runtime
	$(BIN)/pybabel compile --use-fuzzy -d lms/translations

# `make run` serves with production's server (gunicorn, one gevent worker, lms/gunicorn_config.py),
# not Werkzeug's development server and its "do not use it in a production deployment" warning.
# The settings file is loaded by path, not as `python:lms.gunicorn_config`: importing the `lms`
# package before gevent patches the standard library makes gevent warn (MonkeyPatchWarning).
RUN_SERVER = LMS_SOCKETIO_ASYNC_MODE=gevent $(BIN)/gunicorn -c lms/gunicorn_config.py -b $(HOST):$(PORT) wsgi:app

run: translations
	$(FLASK) db upgrade
	$(FLASK) content sync content/
	$(FLASK) demo seed
	@echo "Serving on http://$(HOST):$(PORT) with gunicorn and gevent, as production runs (Ctrl+C to stop)"
	$(RUN_SERVER)

# The suite runs in parallel, one pytest-xdist worker per core (each with its own database, Socket.IO
# channel and temporary folder); a test file stays on one worker, so module fixtures are built once.
# `make test PYTEST_WORKERS=0` runs it in one process; PYTEST_ARGS picks tests or adds options.
PYTEST_WORKERS ?= auto
test: $(VENV)/.dev translations
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Every benchmark in turn, each printing its targets as met / NOT met (docs/performance.md).
# `make bench BENCH_ARGS=--quick`: small sizes, a few minutes in all. exam_day.py, data_scale.py and
# the two-process room need PostgreSQL and Redis on 127.0.0.1 (they say so and are skipped without).
# Full sizes take about 40 minutes on 2 cores; run them on a quiet machine.
BENCH_ARGS ?=
bench: $(VENV)/.dev translations
	$(BIN)/python bench/http.py $(BENCH_ARGS)
	$(BIN)/python bench/exam_day.py $(BENCH_ARGS) || test $$? -eq 2
	$(BIN)/python bench/live_room.py $(if $(BENCH_ARGS),$(BENCH_ARGS),--clients 1000)
	$(if $(BENCH_ARGS),,$(BIN)/python bench/live_room.py --clients 2000 --rate 10 --processes 2 --no-bare || test $$? -eq 2)
	$(BIN)/python bench/data_scale.py $(BENCH_ARGS) || test $$? -eq 2
	$(if $(BENCH_ARGS),,$(BIN)/python bench/import_load.py)

# Mutation testing of the pure rule modules (see docs/testing.md): slow, for developers, not in `test`.
# mutmut copies the project into mutants/; the tests run there, so they find the shared fixtures
# through LMS_SHARED_DIR. Results are kept: a second run only tests what changed.
LMS_SHARED_DIR ?= $(abspath ..)/shared
mutation: $(VENV)/.dev translations
	LMS_SHARED_DIR=$(LMS_SHARED_DIR) $(BIN)/mutmut run --max-children $$(nproc)
	$(BIN)/mutmut results --all true > mutants/results.txt
	$(BIN)/python tests/mutation_score.py < mutants/results.txt

LINTED := lms tests bench config.py wsgi.py migrations/env.py

# ruff's checks and its formatter (applied to the whole tree once; new code keeps to it).
lint: $(VENV)/.dev
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# For developers: refresh the catalogues after changing UI strings.
extract-messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
