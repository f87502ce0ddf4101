"""What every command shares: the global options (--output, --url, --token, --via), and failures reported
as `error: <code>: <message>` with their exit code instead of a traceback."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from cloudgate.cli import config
from cloudgate.cli.failures import CliFailure
from cloudgate.cli.render import Output, stderr_console
from cloudgate.cli.session import Session, resolve_target

OutputOption = Annotated[
    Output | None,
    typer.Option("--output", "-o", envvar="CLOUDGATE_OUTPUT", help="Output format.", show_default=False),
]
UrlOption = Annotated[
    str | None, typer.Option("--url", envvar="CLOUDGATE_URL", help="Gateway URL (default: the saved login's).")
]
TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="CLOUDGATE_TOKEN", help="Bearer token (default: the saved login's).")
]
ViaOption = Annotated[
    str | None,
    typer.Option(
        "--via", envvar="CLOUDGATE_VIA", help="Carry the requests over AMQP: amqp://user:password@host/vhost."
    ),
]


@dataclass(frozen=True, slots=True)
class GlobalOptions:
    output: Output | None = None
    url: str | None = None
    token: str | None = None
    via: str | None = None

    def over(self, outer: GlobalOptions) -> GlobalOptions:
        """These options, falling back to `outer`'s (the ones given before the command name)."""
        return GlobalOptions(
            self.output or outer.output, self.url or outer.url, self.token or outer.token, self.via or outer.via
        )


@dataclass(frozen=True, slots=True)
class Invocation:
    """What a command runs with: the chosen output format and where the gateway is."""

    options: GlobalOptions

    @property
    def output(self) -> Output:
        return self.options.output or Output.TABLE

    def session(self) -> Session:
        target = resolve_target(self.options.url, self.options.token, config.load())
        return Session(target, login_hint=True, via=self.options.via)


def new_group(name: str, help_text: str) -> typer.Typer:
    # Locals are never shown: they hold secrets and tokens.
    return typer.Typer(name=name, help=help_text, no_args_is_help=True, pretty_exceptions_show_locals=False)


def report(failure: CliFailure) -> None:
    console = stderr_console()
    console.print(f"error: {failure.code}: {failure.message}", markup=False, soft_wrap=True)
    if failure.details:
        console.print(f"  details: {json.dumps(failure.details, ensure_ascii=False)}", markup=False, soft_wrap=True)


_GLOBAL_PARAMETERS = [
    inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=OutputOption),
    inspect.Parameter("url", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=UrlOption),
    inspect.Parameter("token", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=TokenOption),
    inspect.Parameter("via", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ViaOption),
]


def command(group: typer.Typer, name: str, **settings: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `fn(invocation, ...)` as command `name` of `group`, with the global options added to
    its own and CliFailures reported on stderr with their exit code."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(fn, eval_str=True).parameters.values())[1:]

        @functools.wraps(fn)
        def run(
            ctx: typer.Context,
            output: Output | None,
            url: str | None,
            token: str | None,
            via: str | None,
            **kwargs: Any,
        ) -> None:
            outer = ctx.find_root().obj or GlobalOptions()
            invocation = Invocation(GlobalOptions(output, url, token, via).over(outer))
            try:
                fn(invocation, **kwargs)
            except CliFailure as failure:
                report(failure)
                raise typer.Exit(failure.exit_code) from None

        context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
        parameters = [context, *own, *_GLOBAL_PARAMETERS]
        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        group.command(name, **settings)(run)
        return fn

    return register
