"""The API's browsable docs, /docs (Swagger UI) and /redoc (ReDoc), with their assets served by the
gateway from an installed package (openapi-ui-bundles): they work offline and load nothing from a CDN."""

from __future__ import annotations

import openapi_ui_bundles
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def install_docs(app: FastAPI) -> None:
    """Mount the assets and the two pages on `app` (built with docs_url and redoc_url None)."""
    app.mount(f"{ASSETS}/swagger", StaticFiles(directory=openapi_ui_bundles.swagger_ui.static_path), name="swagger")
    app.mount(f"{ASSETS}/redoc", StaticFiles(directory=openapi_ui_bundles.redoc.static_path), name="redoc")
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=title,
            swagger_js_url=f"{ASSETS}/swagger/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS}/swagger/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/swagger/favicon-32x32.png",
        )  # fmt: skip

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json", title=title,
            redoc_js_url=f"{ASSETS}/redoc/redoc.standalone.js", redoc_favicon_url=f"{ASSETS}/redoc/logo-mini.svg",
            with_google_fonts=False,
        )  # fmt: skip
