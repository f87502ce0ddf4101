"""The GCE-compatible front-end (`/compute/v1`): Compute Engine's v1 REST API over every cloud behind the
gateway, authenticated by the gateway's bearer tokens (and an OAuth2 token endpoint for Google's clients)."""
