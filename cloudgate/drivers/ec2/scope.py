"""What every EC2 call of one account needs: the client, the account's settings, its AWS account id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudgate.drivers.ec2.account import Ec2Account
from cloudgate.drivers.ec2.tables import MIN_PAGE_SIZE, PAGE_SIZES


@dataclass(frozen=True)
class Scope:
    ec2: Any
    account: Ec2Account
    account_id: str

    async def describe(self, operation: str, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item `path` (JMESPath) selects across all the pages of a paginated describe call."""
        largest = PAGE_SIZES[operation]
        size = max(MIN_PAGE_SIZE, min(self.account.options.page_size or largest, largest))
        pages = self.ec2.get_paginator(operation).paginate(**params, PaginationConfig={"PageSize": size})
        return [item async for item in pages.search(path)]
