"""Security groups on EC2: read one, and bring its rules to a wanted set."""

from __future__ import annotations

from typing import Any

from cloudgate.drivers.ec2.rules import AUTHORIZE, REVOKE, Rule, changes, rules_of
from cloudgate.drivers.ec2.scope import Scope


async def describe_group(scope: Scope, group_id: str) -> dict[str, Any]:
    # Not paginated: some describe calls refuse MaxResults beside a list of ids.
    return (await scope.ec2.describe_security_groups(GroupIds=[group_id]))["SecurityGroups"][0]


async def replace_rules(scope: Scope, group_id: str, wanted: list[Rule]) -> None:
    """Revoke what is not wanted, then authorize what is missing: failing part-way fails closed."""
    authorize, revoke = changes(rules_of(await describe_group(scope, group_id)), wanted)
    for operations, rules_by_direction in ((REVOKE, revoke), (AUTHORIZE, authorize)):
        for direction, rules in rules_by_direction.items():
            if rules:
                call = getattr(scope.ec2, operations[direction])
                await call(GroupId=group_id, IpPermissions=[rule.to_permission() for rule in rules])
