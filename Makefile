# Two commands on a fresh machine: `make report` and `make test`. Each creates .venv on first use and
# installs the project into it (nothing global), re-installing when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= reports
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

.PHONY: install report test validate lab notebooks benchmark example-data clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "alliance-research needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(VENV)/bin/alliance-research report --out $(OUT)

validate: $(STAMP)
	$(VENV)/bin/alliance-research validate

test: $(STAMP)
	$(PY) -m pytest tests alliance_research $(if $(NOTEBOOKS),--nbval notebooks --nbval-sanitize-with nbval_sanitize.cfg --nbval-current-env,)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks

# Refresh the notebooks' stored outputs (what nbval compares) by running each one in place with its default
# parameters, on the example library. No timing metadata, so an unchanged result leaves the files unchanged.
notebooks: $(STAMP)
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.kernel_name=python3 \
		--ExecutePreprocessor.kernel_manager_class=alliance_research.report.kernel.LocalKernelManager \
		--ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=600 $(sort $(NOTEBOOKS))

benchmark: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

example-data: $(STAMP)
	$(PY) scripts/make_example_library.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
