# The two commands a newcomer needs: `make demo` and `make test`. Both run setup first.
.PHONY: setup demo test bench clean

VENV := .venv
CLI := $(VENV)/bin/conflict-gis

setup:
	@scripts/setup

demo: setup
	@scripts/demo

test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(VENV)/bin/python -m bench

clean:
	-$(CLI) db stop
	rm -rf .conflict-gis bench/out
