# The two commands of the README do all set-up themselves:
#   make demo   -- install into .venv, then train the article's network and write out/
#   make test   -- install into .venv, then run the test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: all install graphviz demo test docs docs-images bench clean

all: test

$(STAMP): setup.cfg pyproject.toml requirements-lock.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) graphviz

graphviz:
	@./scripts/install_graphviz.sh

demo: install
	$(PY) -m tinygrad_edu demo --out $(OUT)

test: install
	$(PY) -m pytest

docs: install
	$(PY) -m mkdocs build --strict --site-dir site

# Regenerate every image that README.md and docs/ show (small files in docs/images/).
docs-images: install
	$(PY) scripts/make_doc_images.py
	$(PY) scripts/make_graph_images.py

bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e '.[bench]'
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) $(OUT) site build *.egg-info .pytest_cache .hypothesis
