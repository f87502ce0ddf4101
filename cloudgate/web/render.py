"""Pages from Jinja2 templates (`templates/`, autoescaped): a whole page, or only its `live` block when the page's
script asks for it again (`X-Cloudgate-Fragment: 1`) to swap in what changed. Shared components are the macros
of `components.html`, there in every template as `c`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from cloudgate.model import STATES
from cloudgate.web import presentation
from cloudgate.web.session import CSRF_FIELD, Session

FRAGMENT_HEADER = "x-cloudgate-fragment"
LIVE_BLOCK = "live"

# Pages show what one client may see at one moment: no cache may keep them for another, or for later. They use
# scripts, styles, images and connections of this origin only; no frames, no plugins; their forms post here.
PAGE_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "vary": FRAGMENT_HEADER,
}


def wants_fragment(request: Request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


def ui_root(request: Request) -> str:
    """The path the dashboard is mounted at ("/ui"), which every link starts with."""
    return request.scope.get("root_path", "").rstrip("/")


class Pages:
    """The templates, with the presentation tables and the components every page uses."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("cloudgate.web", "templates"), autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        )  # fmt: skip
        self.env.globals.update(
            nouns=presentation.NOUNS, collection_of=presentation.COLLECTION_OF, states=STATES,
            tone=presentation.tone, label=presentation.label, when=presentation.when, iso=presentation.iso,
            as_text=presentation.as_text, sentence=presentation.sentence, pretty_json=presentation.pretty_json,
            error_text=presentation.error_text, progress_text=presentation.progress_text, csrf_field=CSRF_FIELD,
        )  # fmt: skip
        self.env.globals["c"] = self.env.get_template("components.html").module

    def render(
        self, request: Request, name: str, *, session: Session | None = None, status: int = 200,
        headers: Mapping[str, str] | None = None, **context: Any,
    ) -> HTMLResponse:  # fmt: skip
        """The page `name`, or only its live block when the page's script asks for it."""
        values = {"request": request, "ui": ui_root(request), "session": session, "watch": None, "current": None,
                  **context}  # fmt: skip
        template = self.env.get_template(name)
        answered = {**PAGE_HEADERS, **(headers or {})}
        if wants_fragment(request) and LIVE_BLOCK in template.blocks:
            body = "".join(template.blocks[LIVE_BLOCK](template.new_context(values)))
            answered[FRAGMENT_HEADER] = "1"  # what the script swaps in; anything else (an error page) it does not
        else:
            body = template.render(values)
        return HTMLResponse(body, status_code=status, headers=answered)
