"""OpenStackoïd's token form: a scope carried on the keystone token, `<token>!SCOPE!{"image": "CloudTwo"}`, as
its openstackclient plugin (and cloudgate's, plugins/openstackclient-scope) sends X-Auth-Token on every request
of a command. The token part authenticates; the scope is bound to the client's accounts by the core
(`core.scopes.bind`), which refuses a malformed scope and a cloud the client has not proven alike."""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = "!SCOPE!"


@dataclass(frozen=True, slots=True)
class ScopedToken:
    token: str
    scope: str | None  # the scope's JSON text; None when the token carries none

    @classmethod
    def parse(cls, text: str) -> ScopedToken:
        token, separator, scope = text.partition(SEPARATOR)
        return cls(token, scope if separator else None)
