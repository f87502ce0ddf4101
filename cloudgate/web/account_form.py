"""What the account forms post (register, rotate), read into what the core takes, and what a refused form shows
again: every value but the secrets. Credentials come in two groups of name/value rows: plain ones (an access key,
a user or project name), shown again when the form is refused, and secret ones (a secret key, a password), in
password inputs, whose values never leave the gateway again, not even in the refused form. Driver options are
`key=value` lines, each value JSON when it parses as JSON, as the CLI's `--option` takes them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cloudgate.web.forms import Form

PLAIN_ROWS = 4  # name/value rows a form shows for plain credentials (more are read if posted)
SECRET_ROWS = 3  # and for secret ones
MAX_ROWS = 50
MAX_NAME = 200
MAX_VALUE = 20_000  # a service account's JSON key fits
MAX_OPTIONS = 20_000
# The bounds /v1 puts on the same fields.
LIMITS = {"cloud": 100, "endpoint": 2000, "region": 200, "name": 200, "alias": 64}


class Refusal(Exception):
    """What is wrong with a posted form (said next to the form), and the field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(slots=True)
class CredentialRows:
    """Credentials as the form holds them: plain rows with their values, secret rows by name only."""

    plain: list[tuple[str, str]] = field(default_factory=list)
    secret_names: list[str] = field(default_factory=list)

    def padded(self) -> tuple[list[tuple[str, str]], list[str]]:
        """The rows to show: those given, then empty ones up to the form's size."""
        plain = self.plain + [("", "")] * (PLAIN_ROWS - len(self.plain))
        return plain, self.secret_names + [""] * (SECRET_ROWS - len(self.secret_names))


@dataclass(slots=True)
class AccountForm:
    """The registration form's values, as posted (or empty), secrets apart."""

    cloud: str = ""
    endpoint: str = ""
    region: str = ""
    name: str = ""
    alias: str = ""
    options: str = ""
    rows: CredentialRows = field(default_factory=CredentialRows)


def _pairs(form: Form, names: str, values: str, what: str) -> list[tuple[str, str]]:
    given = list(zip(form.fields.get(names, []), form.fields.get(values, []), strict=False))
    if len(given) > MAX_ROWS:
        raise Refusal(f"at most {MAX_ROWS} {what}s")
    return [(name.strip(), value) for name, value in given if name.strip() or value]


def read_credentials(form: Form) -> tuple[CredentialRows, dict[str, str] | Refusal]:
    """The credential rows to show again, and the credentials (or what is wrong with them)."""
    try:
        plain = _pairs(form, "credential_name", "credential_value", "credential")
        secret = _pairs(form, "secret_name", "secret_value", "secret")
    except Refusal as refusal:
        return CredentialRows(), refusal
    rows = CredentialRows([(name[:MAX_NAME], value.strip()[:MAX_VALUE]) for name, value in plain],
                          [name[:MAX_NAME] for name, _value in secret])  # fmt: skip
    credentials: dict[str, str] = {}
    for name, value in [(name, value.strip()) for name, value in plain] + secret:
        if not name:
            return rows, Refusal("a credential has a value but no name", "credentials")
        if len(name) > MAX_NAME or len(value) > MAX_VALUE:
            return rows, Refusal(f"a credential's name is at most {MAX_NAME} characters and its value at most "
                                 f"{MAX_VALUE}", "credentials")  # fmt: skip
        if not value:
            return rows, Refusal(f"the credential {name!r} has no value", "credentials")
        if name in credentials:
            return rows, Refusal(f"the credential {name!r} is given twice", "credentials")
        credentials[name] = value
    if not credentials:
        return rows, Refusal("give the credentials the cloud takes (a name and a value each)", "credentials")
    return rows, credentials


def json_value(text: str) -> Any:
    """JSON when the text parses as JSON (numbers, true, lists, objects, quoted strings), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def read_options(text: str) -> dict[str, Any]:
    """Driver options, one `key=value` a line (blank lines skipped), each value JSON when it parses as JSON."""
    if len(text) > MAX_OPTIONS:
        raise Refusal(f"driver options are at most {MAX_OPTIONS} characters", "options")
    options: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip():
            raise Refusal(f"a driver option is key=value, one a line: line {number} is {line.strip()[:80]!r}",
                          "options")  # fmt: skip
        if key.strip() in options:
            raise Refusal(f"the driver option {key.strip()!r} is given twice", "options")
        options[key.strip()] = json_value(value.strip())
    return options


def read_account(form: Form) -> tuple[AccountForm, dict[str, Any] | Refusal]:
    """The registration form to show again, and the core's arguments (or what is wrong with them)."""
    values = {name: form.one(name) for name in LIMITS}
    rows, credentials = read_credentials(form)
    cut = {name: values[name][:limit] for name, limit in LIMITS.items()}
    shown = AccountForm(cut["cloud"], cut["endpoint"], cut["region"], cut["name"], cut["alias"],
                        form.one("options")[:MAX_OPTIONS], rows)  # fmt: skip
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            return shown, Refusal(f"the {name} is at most {limit} characters", name)
    if not values["cloud"]:
        return shown, Refusal("choose the type of cloud", "cloud")
    if not values["endpoint"]:
        return shown, Refusal("give the cloud's endpoint", "endpoint")
    if isinstance(credentials, Refusal):
        return shown, credentials
    try:
        options = read_options(form.one("options"))
    except Refusal as refusal:
        return shown, refusal
    return shown, {
        "cloud": values["cloud"], "endpoint": values["endpoint"], "region": values["region"] or None,
        "name": values["name"] or None, "alias": values["alias"] or None, "credentials": credentials,
        "options": options,
    }  # fmt: skip
