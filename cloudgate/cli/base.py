"""What every command shares: the global options (how to show results, which gateway and profile), an
example in its help, and failures reported as `error: <code>: <message>` with their exit code instead
of a traceback."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cloudgate.cli import config
from cloudgate.cli.failures import CliFailure
from cloudgate.cli.render import Look, Output, stderr_console
from cloudgate.cli.session import Session, resolve_target
from cloudgate.tls import ClientTls

FormatOption = Annotated[
    Output | None,
    typer.Option(
        "--format", "-f", "--output", "-o", envvar=["CLOUDGATE_FORMAT", "CLOUDGATE_OUTPUT"],
        help="Output format: table (fits the terminal), value (bare values), json, yaml (as the gateway sent "
        "them) or csv.", show_default=False,
    ),
]  # fmt: skip
ColumnOption = Annotated[
    list[str] | None,
    typer.Option(
        "--column", "-c", help="Show this column (repeatable; table, value and csv formats).", show_default=False
    ),
]
WideOption = Annotated[
    bool | None, typer.Option("--wide", help="Show every column in full, wider than the terminal if need be.")
]
UrlOption = Annotated[
    str | None, typer.Option("--url", envvar="CLOUDGATE_URL", help="Gateway URL (default: the profile's login).")
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="CLOUDGATE_TOKEN", help="Bearer token (default: the profile's login)."),
]
ViaOption = Annotated[
    str | None,
    typer.Option(
        "--via", envvar="CLOUDGATE_VIA", help="Carry the requests over AMQP: amqp://user:password@host/vhost."
    ),
]
CaFileOption = Annotated[
    Path | None,
    typer.Option(
        "--ca-file", envvar="CLOUDGATE_CA_FILE", show_default=False,
        help="Trust the gateway's (https://) or broker's (amqps://) certificate if these CAs (PEM) signed it, "
        "instead of the system's CAs; remembered by login.",
    ),
]  # fmt: skip
InsecureOption = Annotated[
    bool | None,
    typer.Option(
        "--insecure", envvar="CLOUDGATE_INSECURE", show_default=False,
        help="Do not check the gateway's certificate (the traffic is still encrypted): for a test gateway's "
        "self-signed certificate; remembered by login.",
    ),
]  # fmt: skip
ScopeOption = Annotated[
    str | None,
    typer.Option(
        "--scope", envvar="CLOUDGATE_SCOPE", show_default=False,
        help='Clouds per service for every request, as JSON: \'{"image": "CloudTwo"}\' lists CloudTwo\'s images and '
        "boots from them elsewhere (services: compute, image, volume, network, keypair; clouds: account ids or "
        "your aliases, see `cloudgate account alias`).",
    ),
]  # fmt: skip
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile", envvar="CLOUDGATE_PROFILE", show_default=False,
        help=f"The saved login to use, one per gateway (default: {config.DEFAULT_PROFILE}).",
    ),
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class GlobalOptions:
    output: Output | None = None
    columns: tuple[str, ...] = ()
    wide: bool | None = None
    url: str | None = None
    token: str | None = None
    via: str | None = None
    profile: str | None = None
    ca_file: Path | None = None
    insecure: bool | None = None
    scope: str | None = None

    def over(self, outer: GlobalOptions) -> GlobalOptions:
        """These options, falling back to `outer`'s (the ones given before the command name)."""
        return GlobalOptions(
            self.output or outer.output, self.columns or outer.columns, self.wide or outer.wide,
            self.url or outer.url, self.token or outer.token, self.via or outer.via, self.profile or outer.profile,
            self.ca_file or outer.ca_file, self.insecure or outer.insecure, self.scope or outer.scope,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Invocation:
    """What a command runs with: how to show results, and where the gateway is."""

    options: GlobalOptions

    @property
    def look(self) -> Look:
        return Look(self.output, self.options.columns, bool(self.options.wide))

    @property
    def output(self) -> Output:
        return self.options.output or Output.TABLE

    @property
    def profile(self) -> str:
        return self.options.profile or config.DEFAULT_PROFILE

    def saved_login(self) -> config.SavedLogin:
        return config.load(profile=self.profile)

    def tls(self, saved: config.SavedLogin | None = None) -> ClientTls:
        """How the gateway's certificate is checked: as the options say, else as the login saved."""
        saved = saved or self.saved_login()
        return tls_of(self.options.ca_file, self.options.insecure, saved)

    def session(self, token: str | None = None) -> Session:
        """A session with the gateway; `token` instead of the given or saved one (a renewed login)."""
        saved = self.saved_login()
        target = resolve_target(self.options.url, token or self.options.token, saved)
        return Session(target, login_hint=True, via=self.options.via, tls=self.tls(saved), scope=self.options.scope)


def tls_of(ca_file: Path | None, insecure: bool | None, saved: config.SavedLogin) -> ClientTls:
    """The certificate check the options ask for, else the saved login's."""
    if ca_file is None and not insecure:
        return ClientTls(Path(saved.ca_file) if saved.ca_file else None, bool(saved.insecure))
    return ClientTls(ca_file, bool(insecure))


def new_group(name: str, help_text: str) -> typer.Typer:
    # Locals are never shown: they hold secrets and tokens.
    return typer.Typer(name=name, help=help_text, no_args_is_help=True, pretty_exceptions_show_locals=False)


def report(failure: CliFailure) -> None:
    console = stderr_console()
    console.print(f"error: {failure.code}: {failure.message}", markup=False, soft_wrap=True)
    if failure.details:
        console.print(f"  details: {json.dumps(failure.details, ensure_ascii=False)}", markup=False, soft_wrap=True)


def examples_epilog(*examples: str) -> str:
    """A command's examples for the end of its --help, one `$ command` a line (rich markup escaped:
    options have brackets; not indented, since typer strips the indentation every line shares)."""
    return escape("Examples:\n" + "\n".join(f"$ {example}" for example in examples))


_GLOBAL_PARAMETERS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
    for name, annotation in (
        ("output", FormatOption), ("columns", ColumnOption), ("wide", WideOption), ("url", UrlOption),
        ("token", TokenOption), ("via", ViaOption), ("profile", ProfileOption), ("ca_file", CaFileOption),
        ("insecure", InsecureOption), ("scope", ScopeOption),
    )
]  # fmt: skip


def command(
    group: typer.Typer, name: str, *, help: str, examples: tuple[str, ...], **settings: Any
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `fn(invocation, ...)` as command `name` of `group`, with the global options added to
    its own, `examples` at the end of its help, and CliFailures reported on stderr with their exit code."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(fn, eval_str=True).parameters.values())[1:]

        @functools.wraps(fn)
        def run(
            ctx: typer.Context, output: Output | None, columns: list[str] | None, wide: bool | None,
            url: str | None, token: str | None, via: str | None, profile: str | None, ca_file: Path | None,
            insecure: bool | None, scope: str | None, **kwargs: Any,
        ) -> None:  # fmt: skip
            outer = ctx.find_root().obj or GlobalOptions()
            given = GlobalOptions(
                output, tuple(columns or ()), wide, url, token, via, profile, ca_file, insecure, scope
            )
            invocation = Invocation(given.over(outer))
            try:
                fn(invocation, **kwargs)
            except CliFailure as failure:
                report(failure)
                raise typer.Exit(failure.exit_code) from None

        context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
        parameters = [context, *own, *_GLOBAL_PARAMETERS]
        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        group.command(name, help=help, epilog=examples_epilog(*examples), **settings)(run)
        return fn

    return register
