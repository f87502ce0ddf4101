"""AMQP: the outbox's events relayed to a topic exchange, and the API served over request/reply messages."""
