"""`--os-scope` for the openstack CLI (an `openstack.cli.extension` plugin).

`openstack server create my-vm --image cirros --os-scope '{"image": "CloudTwo"}' …` sends every request of the
command with its token as `X-Auth-Token: <token>!SCOPE!{"image":"CloudTwo"}`, OpenStackoïd's form, which
cloudgate's OpenStack front-end reads on every service: each service named reads from and makes in the cloud
(the account) the scope names for it; the others stay with the token's project. `OS_SCOPE` gives a default.

openstackclient asks a plugin for its global options (`build_option_parser`) and, when a command uses it, for a
client (`make_client`); it has no hook on the requests themselves. So the plugin wraps one step of the shell:
once the command's keystone session is set up (`prepare_to_run_command`), that session's auth headers carry the
scope. The keystone login itself sends no X-Auth-Token and is left as it is.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from osc_lib import shell

SEPARATOR = "!SCOPE!"
ENVIRONMENT = "OS_SCOPE"
OPTION_DEST = "cloudgate_scope"  # not os_…: openstacksdk's config would read os_scope as its own `scope`

# What openstackclient reads of a plugin module. This one has no commands: its client is the scope it sends.
API_NAME = "cloudgate_scope"
API_VERSION_OPTION = "os_cloudgate_scope_api_version"
API_VERSIONS = ("1",)
DEFAULT_API_VERSION = "1"

HELP = (
    'Clouds per service for every request of the command, as JSON: \'{"image": "CloudTwo"}\' (services compute, '
    "image, volume, network, keypair; clouds by cloudgate account id or alias; the others stay with the project). "
    f"Env: {ENVIRONMENT}"
)


@dataclass(frozen=True)
class SentScope:
    """The option's value: the scope as sent, a JSON object on one line (a header holds one). Not a str: the
    options become openstacksdk's config, which fills `{…}` in every string value as a template."""

    text: str


def sent_scope(text: str) -> SentScope | None:
    """`--os-scope`'s text (or OS_SCOPE's) as sent; None for an empty one."""
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f'a scope is a JSON object such as {{"image": "CloudTwo"}}: {exc}') from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('a scope is a JSON object such as {"image": "CloudTwo"}')
    return SentScope(json.dumps(value, separators=(",", ":")))


def build_option_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The global option `--os-scope` (default: OS_SCOPE), and the shell's step that sends it."""
    parser.add_argument(
        "--os-scope", metavar="<scope>", dest=OPTION_DEST, type=sent_scope,
        default=os.environ.get(ENVIRONMENT, ""), help=HELP,
    )  # fmt: skip
    _wrap_prepare_to_run_command()
    return parser


def make_client(instance: Any) -> dict[str, Any] | None:
    """The scope the command sends, as a mapping (None without one)."""
    options = getattr(instance, "_cli_options", None)
    scope = options.config.get(OPTION_DEST) if options is not None else None
    return json.loads(scope.text) if isinstance(scope, SentScope) else None


def send_scope(session: Any, scope: str) -> None:
    """Every authenticated request of the keystoneauth `session` carries `scope` on its token from now on."""
    if getattr(session, "cloudgate_scope", None) is not None:
        return  # interactive mode prepares each command on the same session
    plain: Callable[..., dict[str, str] | None] = session.get_auth_headers

    def get_auth_headers(auth: Any = None) -> dict[str, str] | None:
        headers = plain(auth)
        if headers and headers.get("X-Auth-Token"):
            headers = {**headers, "X-Auth-Token": headers["X-Auth-Token"] + SEPARATOR + scope}
        return headers

    session.get_auth_headers = get_auth_headers
    session.cloudgate_scope = scope


def _wrap_prepare_to_run_command() -> None:
    prepare: Callable[[shell.OpenStackShell, Any], None] = shell.OpenStackShell.prepare_to_run_command
    if getattr(prepare, "sends_scope", False):
        return

    def prepare_to_run_command(app: shell.OpenStackShell, cmd: Any) -> None:
        prepare(app, cmd)
        scope = getattr(app.options, OPTION_DEST, None)
        session = getattr(app.client_manager, "session", None)
        if isinstance(scope, SentScope) and session is not None:
            send_scope(session, scope.text)

    prepare_to_run_command.sends_scope = True  # type: ignore[attr-defined]
    shell.OpenStackShell.prepare_to_run_command = prepare_to_run_command  # type: ignore[method-assign,assignment]
