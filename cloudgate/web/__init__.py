"""The web dashboard (`/ui`): a front-end over the core like the others, for people in a browser. Server-rendered
pages, a cookie session holding a gateway token, CSRF tokens on every form, live through the event stream."""

from cloudgate.web.app import create_web_app

__all__ = ["create_web_app"]
