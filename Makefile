# Considered: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-packages run test lint bench drill serve clean

# System packages first (.ci/system-packages: installs as root, otherwise prints the command and
# stops), then the virtual environment.
install: system-packages $(VENV)/.installed

system-packages:
	@.ci/system-packages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py check_catalog
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (log in with one of the demo logins above)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (its checks and its formatting), then mypy with django-stubs over cases/, consequences/,
# compliance/ and config/ (configured in pyproject.toml; 10-35 s cold on a busy machine, 1-3 s
# with its cache).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/run.py

drill: install
	$(BIN)/python bench/fault_drill.py

# gthread, one process per core and 4 threads each: the configuration the load and stress
# benches measure (bench/serving.py) and the README's sizing table assumes. The threads
# overlap each process's waits on PostgreSQL; a keep-alive longer than a user's pause keeps the
# balancer's connections open between requests.
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-$$(nproc)} \
		--worker-class gthread --threads $${WEB_THREADS:-4} --keep-alive 30 \
		--access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s' \
		--timeout 60

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .hypothesis
