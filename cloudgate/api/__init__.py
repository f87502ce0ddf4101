"""The native REST API (/v1): a front-end that translates HTTP to calls of the core and nothing else."""

from cloudgate.api.app import create_api

__all__ = ["create_api"]
