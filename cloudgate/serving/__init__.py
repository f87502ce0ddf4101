"""What every HTTP front-end shares: request ids, the event feed as Server-Sent Events."""
