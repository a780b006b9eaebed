# The two commands of the README's Quick start, and the chores around them.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: venv run test test-slow export clean-nbs readme docs lint summary

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

run: venv
	$(VENV)/bin/merge-nb zoo
	$(VENV)/bin/merge-nb reproduce

# figures/SUMMARY.md and .csv from the reproductions' CSVs already in figures/ (runs nothing)
summary: venv
	$(VENV)/bin/merge-nb summary

test: venv
	$(VENV)/bin/nbdev-test --n-workers 2 --timing

test-slow: venv
	$(VENV)/bin/nbdev-test --n-workers 2 --timing --flags slow

export: venv
	$(VENV)/bin/nbdev-export
	$(VENV)/bin/nbdev-clean

# README.md from the executed nbs/index.ipynb (run `nbdev-test nbs/index.ipynb --save` first): plain Markdown, with
# hidden cells dropped and figure paths relative to the repository; fails on HTML tables or image outputs.
readme: venv
	$(PY) docs/readme.py

lint: venv
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check --select E501,E701,E702,E703,F401,F811,F821 merge_nb

# The documentation site from the notebooks (MkDocs + mkdocs-jupyter, committed outputs) into site/; its check opens
# every page in headless Chromium, then shows on a deliberately broken page that the check can fail.
.PHONY: docs docs-check
docs: venv
	$(PY) docs/build.py

docs-check: venv
	$(PY) docs/check.py
