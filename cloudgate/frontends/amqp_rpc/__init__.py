"""The API served over AMQP request/reply messages (seed 000's buffered API requests)."""

from cloudgate.frontends.amqp_rpc.server import RequestServer

__all__ = ["RequestServer"]
