# Two entry points for a fresh machine: `make simulate` and `make test`.
# Both create .venv idempotently (llama-cpp-python compiles from source the first time).
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: simulate test install
simulate: $(STAMP)
	$(VENV)/bin/meddiag simulate --scenario community-acquired-pneumonia --model local

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)
