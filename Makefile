# The two Quickstart commands of the README: `make main` and `make test`.
# Both create the virtual environment .venv from nothing when it is missing.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
# The FSDD copy beside a checkout of this project (CI's layout); elsewhere the
# data set is looked up in $SKAUDIO_DATA or ~/skaudio_data and downloaded.
ifneq ($(wildcard ../shared/datasets/fsdd/recordings),)
export SKAUDIO_DATA ?= $(abspath ../shared/datasets)
endif

.PHONY: main test lint docs docs-check mutation clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint,vision,dask,export]'
	touch $@

main: $(VENV)/.installed
	$(BIN)/skaudio cv mfcc-seq-aug --data fsdd --protocol loso --epochs 100 --out runs/main

lint: $(VENV)/.installed
	$(BIN)/ruff check skaudio tests benchmarks examples tools
	$(BIN)/ruff format --check skaudio tests benchmarks examples tools

# pytest exits 5 when it collected no test: that is a broken suite, not a pass.
test: lint
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$rc

$(VENV)/.docs-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[docs,plot]'
	touch $@

# The API pages and the user guide, warnings as errors, every cross-reference
# resolved (-n), examples not run; then every internal link and anchor of the
# built site checked. Nothing is fetched: intersphinx reads docs/_inventories.
docs-check: $(VENV)/.docs-installed
	rm -rf docs/_build docs/generated docs/auto_examples
	$(BIN)/sphinx-build -D plot_gallery=0 -n -W --keep-going -q -b html docs docs/_build/html
	$(BIN)/python docs/check_links.py docs/_build/html

# Everything, the example gallery run (several minutes on 2 CPU cores).
docs: $(VENV)/.docs-installed
	$(BIN)/sphinx-build -n -W --keep-going -b html docs docs/_build/html
	$(BIN)/python docs/check_links.py docs/_build/html

$(VENV)/.mutation-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	touch $@

# Mutation testing of the core modules, one at a time (tools/mutation.py; tens
# of minutes on 2 CPU cores, not part of `make test`). Results and the
# survivors judged equivalent: benchmarks/results/mutation.md.
MUTATION_MODULES ?= io preprocessing features experiments
mutation: $(VENV)/.mutation-installed
	for module in $(MUTATION_MODULES); do \
		nice $(BIN)/python tools/mutation.py $$module || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build/mutation
