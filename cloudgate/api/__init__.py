"""The native REST API (/v1): a front-end that translates HTTP to Gateway calls and nothing else."""

from cloudgate.api.app import create_app

__all__ = ["create_app"]
