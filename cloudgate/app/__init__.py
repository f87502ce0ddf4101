"""The composition root: builds one process's services for its role (`Gateway`), the one ASGI app that
mounts every front-end (`create_app`), and runs them (`server.run`)."""

from cloudgate.app.asgi import create_app
from cloudgate.app.gateway import Gateway

__all__ = ["Gateway", "create_app"]
