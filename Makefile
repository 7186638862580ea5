# The two commands of the README do all set-up themselves:
#   make demo   -- install into .venv (pip only: graphviz-pure draws the graphs), then train the
#                  article's network and write out/
#   make test   -- install into .venv, plus Graphviz's dot and headless Chromium where it may
#                  (both renderers and the explorer in a real browser are tested), then run the tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: all install graphviz browser test-deps demo test notebooks docs docs-images bench clean

all: test

$(STAMP): setup.cfg pyproject.toml requirements-lock.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# System programs the tests use: Graphviz's dot (the pictures also render without it) and
# Chromium with its driver (the explorer's browser tests).
graphviz:
	@./scripts/install_graphviz.sh

browser:
	@./scripts/install_browser.sh

test-deps: graphviz browser

demo: install
	$(PY) -m tinygrad_edu demo --out $(OUT)

test: install test-deps
	$(PY) -m pytest

# Open the notebooks/ in JupyterLab (installed into .venv on first use).
notebooks: install
	$(PY) -m pip install --quiet --disable-pip-version-check jupyterlab
	$(VENV)/bin/jupyter lab notebooks/

docs: install
	$(PY) -m mkdocs build --strict --site-dir site

# Regenerate every image that README.md and docs/ show (small files in docs/images/).
docs-images: install
	$(PY) scripts/make_doc_images.py
	$(PY) scripts/make_graph_images.py
	$(PY) scripts/make_explorer_image.py

bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e '.[bench]'
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) $(OUT) site build *.egg-info .pytest_cache .hypothesis
