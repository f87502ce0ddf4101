"""Change events: the outbox is in the store; this package wakes readers and serves the feed."""
