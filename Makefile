# Two commands: `make run` (set up everything and serve on :8000) and
# `make test` (the same set-up, then linters, type checks and the suite).
# The steps live in scripts/make.sh so each can be read and re-run alone.
.PHONY: run test bench setup db-stop clean

run:
	@scripts/make.sh run

test:
	@scripts/make.sh test

bench:
	@scripts/make.sh bench

setup:
	@scripts/make.sh setup

db-stop:
	@scripts/db.sh stop

clean: db-stop
	rm -rf .venv var
