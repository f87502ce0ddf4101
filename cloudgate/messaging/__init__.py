"""AMQP plumbing shared by the event relay, the request/reply front-end and the CLI's AMQP client:
staying connected to a broker, and the JSON that carries an API request or response in a message."""
