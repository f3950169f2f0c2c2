# Two commands for a newcomer:  `make lab`  and  `make test`.
# Both create a virtual environment when it is missing and (re)install the
# course only when pyproject.toml changed, so the second run starts at once.
# Each interpreter gets a venv of its own (.venv-3.11, .venv-3.13, ...), so
# `make test-quick PYTHON=python3.13` never reuses another Python's venv; and
# a venv made by another installation of the same version (pyenv's 3.11 and
# the system's 3.11, say) stops make with a message instead of being reused.

PYTHON ?= python3
PYVERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifeq ($(PYVERSION),)
$(error $(PYTHON) does not run: install Python 3.11 or newer, or name one with PYTHON=...)
endif
VENV ?= .venv-$(PYVERSION)
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
PY := $(BIN)/python
# The folder of the Python that made $(VENV) (pyvenv.cfg's home), when it is not $(PYTHON)'s.
VENV_OWNER := $(shell $(PYTHON) -c 'import os, sys; cfg = os.path.join(sys.argv[1], "pyvenv.cfg"); \
  home = [l.split("=", 1)[1].strip() for l in open(cfg) if l.startswith("home")][0] if os.path.isfile(cfg) else ""; \
  mine = os.path.dirname(os.path.abspath(sys._base_executable)); \
  print(home if home and os.path.realpath(home) != os.path.realpath(mine) else "")' $(VENV) 2>/dev/null)
ifneq ($(VENV_OWNER),)
ifeq ($(filter clean-venv,$(MAKECMDGOALS)),)
$(error $(VENV) was made by the Python in $(VENV_OWNER), not by $(PYTHON): run `make clean-venv PYTHON=$(PYTHON)` to replace it, or keep both with VENV=another-folder)
endif
endif

# Extra arguments: `make lab LAB_ARGS="--port 8899"`, `make test PYTEST_ARGS="-k doctor"`,
# `make site SITE_ARGS="--repository-url https://github.com/OWNER/REPO"`.
LAB_ARGS    ?=
PYTEST_ARGS ?=
SITE_ARGS   ?=
MARKERS     :=
# Where `make kit` and `make site` write (both git-ignored).
DIST     ?= dist
SITE_OUT ?= build/site

.PHONY: lab test test-quick lint format release release-check kit site hub-trial clean-venv

lab: $(VENV)/.installed
	$(BIN)/netcourse lab $(LAB_ARGS)

# pytest exits 5 when it collected no tests: for this suite that is a broken
# setup, never a pass, so it is turned into a failure with a reason.
test: $(VENV)/.installed-test
	@echo "make test: Python $(PYVERSION) in $(VENV)"
	@$(PY) -m pytest $(MARKERS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; the suite or its selection is broken" >&2; exit 1; fi; \
	exit $$rc

test-quick: MARKERS := -m "not slow"
test-quick: test

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

release: $(VENV)/.installed
	$(BIN)/netcourse release

release-check: $(VENV)/.installed
	$(BIN)/netcourse release --check

# The student kit: $(DIST)/netcourse-*.whl and a zip per assignment of notebooks/.
kit: $(VENV)/.installed
	$(BIN)/netcourse kit --dist $(DIST)

# The course site from the student release; its last line is the path of index.html.
site: kit $(VENV)/.installed-site
	$(BIN)/netcourse site --kit $(DIST) --out $(SITE_OUT) $(SITE_ARGS)

# A JupyterHub course end to end on this machine, then all of it removed
# (autograder/README.md, "The JupyterHub route"). As root on Debian 12: it creates
# Linux accounts. Needs no venv of ours: `make hub-trial HUB_TRIAL_ARGS=--keep-env`.
HUB_PYTHON     ?= /usr/bin/python3.11
HUB_TRIAL_ARGS ?=
hub-trial:
	PYTHONPATH=$(CURDIR)/autograder $(HUB_PYTHON) -m hub_trial --source $(CURDIR) $(HUB_TRIAL_ARGS)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-site: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[site]'
	@touch $@ $(VENV)/.installed

# The tests build the site too, so the test venv has the site's tools.
$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,site]'
	@touch $@ $(VENV)/.installed $(VENV)/.installed-site

clean-venv:
	rm -rf $(VENV)
