"""The core service: the one API every front-end calls (accounts, clients, resources, operations, events)."""
