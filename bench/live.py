"""An app served by uvicorn on 127.0.0.1 inside this process: for a gateway that must share its process
with a simulated cloud (sim clouds live in memory)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from bench.waiting import until

START_SECONDS = 30.0


@asynccontextmanager
async def live_server(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` on a free port of 127.0.0.1; yields its base URL, stops the server after."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    await until(lambda: server.started or serving.done(), "uvicorn to start", START_SECONDS)
    if serving.done():
        serving.result()  # startup failed: raise why
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
