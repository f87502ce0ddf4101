"""Real services the tests start on 127.0.0.1, each once per session, stopped by its process id."""
