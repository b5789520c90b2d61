# The two commands a newcomer needs:  make demo  and  make test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint bench faults install kafka-start kafka-stop clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Run the main job: local Kafka, both sandboxes, the worker and a demo tenant.
demo: $(STAMP)
	$(VENV)/bin/sync-streams demo

## All checks: ruff, mypy --strict, unit and integration tests (real Kafka).
test: $(STAMP)
	PYTHON=$(PY) scripts/check

check: test

lint: $(STAMP)
	$(PY) -m ruff format src tests bench
	$(PY) -m ruff check --fix src tests bench

bench: $(STAMP)
	$(PY) bench/run_all.py

## The fault matrix (docs/reliability.md): one table; e.g. make faults ARGS="--records 200 --runs 3"
faults: $(STAMP)
	$(PY) -m tests.faults.run $(ARGS)

kafka-start: $(STAMP)
	$(VENV)/bin/sync-streams local-kafka start --dir var/kafka --port 9092

kafka-stop: $(STAMP)
	$(VENV)/bin/sync-streams local-kafka stop --dir var/kafka

clean:
	-$(VENV)/bin/sync-streams local-kafka stop --dir var/kafka
	rm -rf var .mypy_cache .ruff_cache .pytest_cache
