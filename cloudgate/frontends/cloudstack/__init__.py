"""The CloudStack-compatible front-end (`/client/api`), authenticated by CloudStack's signed requests
with gateway-issued API keys."""
