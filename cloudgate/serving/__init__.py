"""What every HTTP front-end shares: request ids and the process's HTTP metrics."""
