"""Read responses rendered by orjson in one pass.

A route that returns `Rendered(...)` keeps its `response_model` for the OpenAPI spec, but its body
is not validated again: core records are already what the schema says, and re-validating a page
of 1,000 records took a quarter of a listing's time.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class Rendered(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
