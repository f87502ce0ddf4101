"""What an EC2 account's configuration holds: endpoint, region, credentials and options, checked."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloudgate.drivers.base import AccountConfig
from cloudgate.errors import InvalidRequest

# Endpoint names that mean "AWS's own endpoints for the region" (botocore knows them).
AWS_ENDPOINTS = frozenset({"aws"})


class Ec2Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    access_key_id: str = Field(min_length=1)
    secret_access_key: str = Field(min_length=1)
    session_token: str | None = None


class Ec2Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # MaxResults of every paginated listing (each call's own maximum when unset).
    page_size: int | None = Field(None, ge=5, le=1000)
    # Instance type patterns ("t3.*") listed as flavors; empty lists every type of the region.
    instance_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ec2Account:
    endpoint_url: str | None
    region: str
    credentials: Ec2Credentials
    options: Ec2Options

    @classmethod
    def of(cls, config: AccountConfig) -> Ec2Account:
        if not config.region:
            raise InvalidRequest("an EC2 account needs a region", details={"field": "region"})
        if config.endpoint not in AWS_ENDPOINTS and not config.endpoint.startswith(("http://", "https://")):
            raise InvalidRequest("the endpoint must be 'aws' or an http(s) URL", details={"field": "endpoint"})
        try:
            credentials = Ec2Credentials.model_validate(dict(config.credentials))
            options = Ec2Options.model_validate(dict(config.options))
        except ValidationError as exc:
            fields = [".".join(map(str, error["loc"])) for error in exc.errors()]
            raise InvalidRequest(
                f"invalid EC2 account settings: {', '.join(fields)}", details={"fields": fields}
            ) from None  # the validation error would echo the secrets
        endpoint_url = None if config.endpoint in AWS_ENDPOINTS else config.endpoint
        return cls(endpoint_url, config.region, credentials, options)
