"""Front-ends: each translates one wire format (a foreign cloud API, AMQP request/reply) to calls of
the core, renders records in its own shape and maps core errors through one table. None talks to a
driver or the store."""
