.PHONY: setup run test bench
setup:
	scripts/setup
run:
	scripts/run
test:
	scripts/test
bench: setup
	.venv/bin/python bench/engine.py
