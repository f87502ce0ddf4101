# The two commands of the README: `make run` (the gateway on its embedded default) and `make test`.
VENV ?= .venv
PYTHON ?= python3

.PHONY: run test lint test-openstack bench install services

run: install
	$(VENV)/bin/cloudgate serve --demo

test: install services lint
	$(VENV)/bin/pytest

# The layer contracts (docs/architecture.md), lint, formatting and types: any failure fails `make test`.
lint: install
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check cloudgate plugins
	$(VENV)/bin/ruff format --check cloudgate plugins
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy plugins/openstackclient-scope/cloudgate_osc_scope

# Only the tests on real keystone, nova, glance, cinder and neutron (127.0.0.1; `make test` runs them too).
test-openstack: install services
	$(VENV)/bin/pytest -m openstack

install: $(VENV)/.installed

# Exactly the locked versions, then the project itself and its openstackclient plugin (--os-scope) without
# resolving anything again. pip says what it installs: the first install takes minutes, which should not look
# like a hang.
$(VENV)/.installed: requirements.lock pyproject.toml plugins/openstackclient-scope/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@echo "Installing the locked dependencies into $(VENV) (a few minutes the first time)..."
	$(VENV)/bin/pip install --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --disable-pip-version-check -q --no-deps -e .
	$(VENV)/bin/pip install --disable-pip-version-check -q --no-deps -e plugins/openstackclient-scope
	touch $@

services:
	scripts/install-test-services
