# The two commands of the README: `make run` (the gateway on its embedded default) and `make test`.
VENV ?= .venv
PYTHON ?= python3

.PHONY: run test test-openstack bench install services

run: install
	$(VENV)/bin/cloudgate serve --demo

test: install services
	$(VENV)/bin/pytest

# Only the tests on real keystone, nova, glance, cinder and neutron (127.0.0.1; `make test` runs them too).
test-openstack: install services
	$(VENV)/bin/pytest -m openstack

install: $(VENV)/.installed

# Exactly the locked versions, then the project itself without resolving anything again.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements.lock
	$(VENV)/bin/pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

services:
	scripts/install-test-services
