# The two commands that matter: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
DEV    := PORTAL_ENV=development PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://127.0.0.1:$(PORT)}
FLASK  := $(BIN)/flask --app portal

.PHONY: run test lint translations compile-translations test-tools link bench lock migration clean audit

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[test]'
	touch $@

compile-translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

run: compile-translations
	$(DEV) $(FLASK) db upgrade
	$(DEV) $(FLASK) demo
	@echo
	@echo "A parent link for the 1½-year questionnaire (make link Q=3-years L=en for another):"
	@$(DEV) $(FLASK) invitations create --questionnaire 18-months --language da | tail -n 1
	@echo
	$(DEV) $(FLASK) run --host 127.0.0.1 --port $(PORT)

link: $(VENV)/.installed
	@$(DEV) $(FLASK) invitations create --questionnaire $(or $(Q),18-months) --language $(or $(L),da)

# axe-core for the accessibility tests and oidc-provider for the staff sign-in tests, at the exact
# versions in tools/package-lock.json. Without npm (or offline) those tests are skipped with the
# reason; the rest of the suite still runs.
AXE := tools/node_modules/axe-core/axe.min.js

$(AXE): tools/package.json tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tools --no-audit --no-fund --loglevel=error && touch $@ \
		|| echo "make: axe-core not installed: the accessibility tests will be skipped"; \
	else \
		echo "make: npm not found: the accessibility tests will be skipped"; \
	fi

test-tools: $(AXE)

test: compile-translations test-tools
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --add-location=file --sort-by-file \
		--project "First 1000 days portal" -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100 --ignore-obsolete \
		--ignore-pot-creation-date
	$(BIN)/pybabel compile -d translations

# Loopback only, a few minutes; see bench/README.md. PORTAL_BENCH_POSTGRES_URL adds PostgreSQL.
bench: compile-translations
	$(BIN)/python -m bench

migration: $(VENV)/.installed
	$(DEV) $(FLASK) db migrate -m "$(m)"

# Rebuild requirements.lock from a clean environment after changing pyproject.toml.
lock:
	rm -rf /tmp/portal-lock-venv && $(PYTHON) -m venv /tmp/portal-lock-venv
	/tmp/portal-lock-venv/bin/pip install -q '.[test]'
	/tmp/portal-lock-venv/bin/pip freeze --exclude first1000-portal > requirements.lock

# Known vulnerabilities in requirements.lock (pip-audit, its own venv). Says plainly when no
# vulnerability database is reachable; AUDIT_STRICT=1 makes that an error. See tools/audit.sh.
audit:
	@PYTHON=$(PYTHON) sh tools/audit.sh

clean:
	rm -rf $(VENV) .venv-audit instance .pytest_cache tools/node_modules
