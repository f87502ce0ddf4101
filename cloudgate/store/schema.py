"""The tables. Timestamps are UNIX seconds (float): exact, portable across SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

clients = Table(
    "clients",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("client_id", String(64), ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked_at", Float),
    Column("account_id", String(64)),  # the account (keystone project) a scoped token acts in; null: any
    Column("scope", JSON),  # the bound scope ({"image": "acc-…"}) its requests run in; null: none
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("cloud", String(64), nullable=False),
    Column("endpoint", String(500), nullable=False),
    Column("region", String(100), nullable=False),  # "" when the cloud has none
    Column("identity", String(500), nullable=False),
    Column("identity_name", String(500), nullable=False),
    Column("name", String(200), nullable=False),
    Column("credentials", LargeBinary, nullable=False),  # Fernet-encrypted JSON
    Column("options", JSON, nullable=False),
    Column("health", String(20), nullable=False, default="ok"),  # ok | degraded
    Column("last_error", JSON),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("cloud", "endpoint", "region", "identity", name="uq_accounts_identity"),
)

account_grants = Table(
    "account_grants",
    metadata,
    Column("client_id", String(64), ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(64), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("alias", String(200)),  # the name the client calls the account by in scopes (CloudOne), unique per client
)
Index("ix_account_grants_alias", account_grants.c.client_id, account_grants.c.alias, unique=True)

resources = Table(
    "resources",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("scope", String(600), nullable=False),  # account id, or public scope of an endpoint
    Column("account_id", String(64)),  # null for public resources
    Column("cloud", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("cloud_id", String(500)),  # null while a gateway create has not reached the cloud
    Column("name", String(500), nullable=False),
    Column("state", String(32), nullable=False),
    Column("cloud_state", String(100)),
    Column("attrs", JSON, nullable=False),
    Column("cloud_attrs", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("datacenter", String(200)),
    Column("content_hash", String(32)),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("missed", Integer, nullable=False, default=0),  # complete listings in a row that lacked it
    Column("protect_until", Float),  # a gateway create: not deleted for absence before this time
    Column("destroying", Boolean, nullable=False, default=False),  # the gateway destroyed it: first absence deletes
    # The record as the API shows it (JSON), written with the row: a page of a listing is served as stored.
    Column("document", Text, nullable=False),
    # The number EC2 and GCE ids of the resource hold (cloudgate.foreign_ids): they are found by it.
    Column("numeric_id", BigInteger, nullable=False),
    UniqueConstraint("scope", "kind", "cloud_id", name="uq_resources_cloud_id"),
)
Index("ix_resources_kind_scope", resources.c.kind, resources.c.scope, resources.c.id)
Index("ix_resources_kind_numeric_id", resources.c.kind, resources.c.numeric_id)

# Pre-assigned ids of resources the gateway created: they survive a resync, as accounts do.
resource_aliases = Table(
    "resource_aliases",
    metadata,
    Column("scope", String(600), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("cloud_id", String(500), primary_key=True),
    Column("resource_id", String(64), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("type", String(16), nullable=False),  # created | updated | deleted
    Column("kind", String(32), nullable=False),
    Column("resource_id", String(64), nullable=False),
    Column("scope", String(600), nullable=False),
    Column("account_id", String(64)),
    Column("cloud", String(64), nullable=False),
    Column("changed", JSON, nullable=False),
    Column("resource", JSON, nullable=False),
    Column("cause", JSON),  # {"operation", "request_id", "scope"} of an event a gateway request made
)
Index("ix_events_scope_seq", events.c.scope, events.c.seq)
Index("ix_events_resource_seq", events.c.resource_id, events.c.seq)  # one resource's history (the dashboard)

# One row: the last sequence number handed out. Updating it serializes event writers, so
# sequence numbers commit in order with no gaps.
outbox_head = Table(
    "outbox_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
)

operations = Table(
    "operations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("resource_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),  # create | edit | destroy | start | stop | ...
    Column("params", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # pending | running | succeeded | failed
    Column("error", JSON),
    Column("result", JSON),
    Column("idempotency_key", String(200)),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("request_id", String(64)),  # the request that started it
    Column("scope", JSON),  # the caller's scope ({"image": "CloudTwo", …}), null when empty
    Column("fingerprint", String(64)),  # digest of what the idempotency key was used for (route and body)
    Column("progress", JSON),  # {"done", "total", "unit"} while a long operation runs
    UniqueConstraint("client_id", "idempotency_key", name="uq_operations_idempotency"),
)
Index("ix_operations_client_created", operations.c.client_id, operations.c.created_at)
Index("ix_operations_resource_state", operations.c.resource_id, operations.c.state)
Index("ix_operations_updated", operations.c.updated_at)  # what changed lately (the dashboard's live pages)

# Signing credentials the gateway issues for foreign APIs (EC2 access keys, CloudStack API keys): one
# per (client, account) or more. The secret is sealed like cloud credentials, so signatures can be
# recomputed; revoked keys stay, so a revoked key is told from an unknown one.
foreign_credentials = Table(
    "foreign_credentials",
    metadata,
    Column("id", String(64), primary_key=True),  # the access key id
    Column("client_id", String(64), ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", String(64), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("secret", LargeBinary, nullable=False),  # Fernet-encrypted
    Column("region", String(100)),  # bound to this region of the account when set
    Column("scope", JSON),  # a default scope for requests signed with it
    Column("name", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
)
Index("ix_foreign_credentials_client", foreign_credentials.c.client_id)

# Images copied from one account's cloud to another's for a create under scope: `digest` says which bytes
# of the source (its checksums), so a changed source makes a new replica; `copying` until verified.
image_replicas = Table(
    "image_replicas",
    metadata,
    Column("source_id", String(64), primary_key=True),  # the source image's gateway id
    Column("account_id", String(64), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("digest", String(300), primary_key=True),
    Column("state", String(16), nullable=False),  # copying | ready
    Column("cloud_id", String(500)),  # the replica's id on the target cloud, once made
    Column("operation_id", String(64), nullable=False),  # the operation that copies (copied) it
    Column("size", BigInteger),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

poll_state = Table(
    "poll_state",
    metadata,
    Column("account_id", String(64), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("last_attempt_at", Float),
    Column("last_success_at", Float),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", JSON),
    Column("resources", Integer, nullable=False, default=0),
)
