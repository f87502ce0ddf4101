"""One command group per resource kind: list, show, create, edit, delete, and the kind's actions."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.failures import UsageFailure
from cloudgate.cli.parsing import field_assignments, split_pair, string_pairs
from cloudgate.cli.render import Output, key_value_table, resource_table, resources_table, show, stderr_console
from cloudgate.cli.session import Session
from cloudgate.cli.waiting import DEFAULT_TIMEOUT, TimeoutOption, WaitOption, collection_of, follow

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class FieldOption:
    """A typed option for a common request field (anything else goes through --set)."""

    field: str
    flag: str
    help: str
    type: type = str
    repeat: bool = False
    required: bool = False


REFERENCE_HELP = "id ({prefix}-…) or the cloud's own id"

CREATE_OPTIONS: dict[str, tuple[FieldOption, ...]] = {
    "instance": (
        FieldOption("flavor", "--flavor", "Flavor: " + REFERENCE_HELP.format(prefix="fl")),
        FieldOption("image", "--image", "Image: " + REFERENCE_HELP.format(prefix="img")),
        FieldOption("datacenter", "--datacenter", "Datacenter: " + REFERENCE_HELP.format(prefix="dc")),
        FieldOption("keypair", "--keypair", "Key pair: " + REFERENCE_HELP.format(prefix="kp")),
        FieldOption("subnet", "--subnet", "Subnet: " + REFERENCE_HELP.format(prefix="sn")),
        FieldOption("security_groups", "--security-group", "Security group (repeatable).", repeat=True),
    ),
    "volume": (
        FieldOption("size_gb", "--size-gb", "Size in GB.", type=int),
        FieldOption("datacenter", "--datacenter", "Datacenter: " + REFERENCE_HELP.format(prefix="dc")),
        FieldOption("snapshot", "--snapshot", "Snapshot to restore: " + REFERENCE_HELP.format(prefix="snap")),
    ),
    "snapshot": (FieldOption("volume", "--volume", "Volume: " + REFERENCE_HELP.format(prefix="vol")),),
    "image": (FieldOption("instance", "--instance", "Instance to capture: " + REFERENCE_HELP.format(prefix="i")),),
    "subnet": (
        FieldOption("cidr", "--cidr", "Address block, e.g. 10.0.1.0/24."),
        FieldOption("datacenter", "--datacenter", "Datacenter: " + REFERENCE_HELP.format(prefix="dc")),
    ),
    "keypair": (FieldOption("public_key", "--public-key", "OpenSSH public key (else the cloud generates one)."),),
    "security_group": (FieldOption("description", "--description", "What the group is for."),),
}

# Actions with a command of their own; any other goes through `<kind> action ID NAME --set ...`.
ACTIONS: dict[str, dict[str, tuple[FieldOption, ...]]] = {
    "instance": {"start": (), "stop": (), "reboot": ()},
    "volume": {
        "attach": (
            FieldOption("instance", "--instance", "Instance: " + REFERENCE_HELP.format(prefix="i"), required=True),
            FieldOption("device", "--device", "Device name on the instance, e.g. /dev/vdb."),
        ),
        "detach": (),
    },
}

KIND_HELP: dict[str, str] = {
    "datacenter": "Datacenters: regions and zones.",
    "flavor": "Flavors: instance sizes.",
    "image": "Images to boot instances from.",
    "instance": "Instances (virtual machines).",
    "volume": "Block storage volumes.",
    "snapshot": "Volume snapshots.",
    "subnet": "Subnets (networks).",
    "keypair": "SSH key pairs.",
    "security_group": "Security groups (firewall rules).",
}

ResourceId = Annotated[str, typer.Argument(metavar="ID", help="The resource's gateway id.", show_default=False)]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="field=value, the value read as JSON when it parses (repeatable)."),
]
TagOption = Annotated[list[str] | None, typer.Option("--tag", help="Tag as key=value (repeatable).")]
NameOption = Annotated[str | None, typer.Option("--name", help="The resource's name.")]
AccountOption = Annotated[
    str, typer.Option("--account", envvar="CLOUDGATE_ACCOUNT", help="Account (acc-…) to create it in.")
]
IdempotencyOption = Annotated[
    str | None, typer.Option("--idempotency-key", help="Repeating a create with the same key creates it only once.")
]
FilterAccount = Annotated[str | None, typer.Option("--account", help="Only this account's.")]
FilterState = Annotated[str | None, typer.Option("--state", help="Only in this state.")]
FilterName = Annotated[str | None, typer.Option("--name", help="Only with this name.")]
FilterCloud = Annotated[str | None, typer.Option("--cloud", help="Only on this cloud type.")]
FilterDatacenter = Annotated[str | None, typer.Option("--datacenter", help="Only in this datacenter.")]
FilterTag = Annotated[str | None, typer.Option("--tag", help="Only with this tag, as key=value.")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=MAX_PAGE, help="Items per page.")]
AllOption = Annotated[bool, typer.Option("--all", help="Follow the cursors to the last page.")]
CursorOption = Annotated[str | None, typer.Option("--cursor", help="Start at this page (from a previous listing).")]


def with_field_options(fn: Callable[..., None], options: Sequence[FieldOption]) -> Callable[..., None]:
    """Give `fn`, which takes `**fields`, one keyword option per FieldOption (typer reads the signature)."""
    signature = inspect.signature(fn, eval_str=True)
    fixed = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    extra = []
    for option in options:
        value_type: Any = list[option.type] if option.repeat else option.type  # type: ignore[name-defined]
        info = typer.Option(option.flag, help=option.help)
        if option.required:
            annotation, default = Annotated[value_type, info], inspect.Parameter.empty
        else:
            annotation, default = Annotated[value_type | None, info], None
        extra.append(
            inspect.Parameter(option.field, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    fn.__signature__ = signature.replace(parameters=fixed + extra)  # type: ignore[attr-defined]
    return fn


def given_fields(options: Sequence[FieldOption], fields: dict[str, Any]) -> dict[str, Any]:
    return {o.field: fields[o.field] for o in options if fields.get(o.field) not in (None, [])}


def list_resources(
    session: Session, kind: str, filters: dict[str, str], limit: int, all_pages: bool, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of `kind` (every page with `all_pages`) and the cursor of the next page, if any."""
    items: list[dict[str, Any]] = []
    while True:
        page = session.get(f"/v1/{collection_of(kind)}", **filters, limit=limit, cursor=cursor)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not (all_pages and cursor):
            return items, cursor


def accepted_view(accepted: dict[str, Any]) -> dict[str, Any]:
    """A 202 answer in brief: the operation, and the resource it creates when it does."""
    op = accepted["operation"]
    view = {"operation": op["id"], "state": op["state"], "action": op["action"], "resource_id": op["resource_id"]}
    resource = accepted.get("resource")
    if resource:
        view.update({"name": resource.get("name"), "resource_state": resource.get("state")})
    return view


def finish(invocation: Invocation, session: Session, accepted: dict[str, Any], wait: bool, timeout: float) -> None:
    """Show an accepted mutation, or with `wait` follow its operation and show the resource as it settled."""
    if not wait:
        show(accepted, invocation.output, lambda data: key_value_table(accepted_view(data)))
        if invocation.output is Output.TABLE:
            op_id = accepted["operation"]["id"]
            stderr_console().print(f"follow it: cloudgate operation show {op_id} --wait", markup=False)
        return
    op = follow(session, accepted["operation"], timeout)
    if op["action"] == "destroy":
        show(op, invocation.output)
    else:
        show(session.get(f"/v1/{collection_of(op['kind'])}/{op['resource_id']}"), invocation.output, resource_table)


def kind_group(kind: str) -> typer.Typer:
    """The command group of one kind (`instance`, `security-group`, …)."""
    group = new_group(kind.replace("_", "-"), KIND_HELP[kind])
    collection = collection_of(kind)
    label = kind.replace("_", " ")
    a_label = ("an " if label[0] in "aeiou" else "a ") + label

    def list_kind(
        invocation: Invocation, account: FilterAccount = None, state: FilterState = None, name: FilterName = None,
        cloud: FilterCloud = None, datacenter: FilterDatacenter = None, tag: FilterTag = None,
        limit: LimitOption = 100, all_pages: AllOption = False, cursor: CursorOption = None,
    ) -> None:  # fmt: skip
        filters = {"account": account, "state": state, "name": name, "cloud": cloud, "datacenter": datacenter}
        if tag is not None:
            filters["tag"] = "=".join(split_pair(tag, "--tag"))
        with invocation.session() as session:
            items, next_cursor = list_resources(
                session, kind, {k: v for k, v in filters.items() if v is not None}, limit, all_pages, cursor
            )
        show({"items": items, "next_cursor": next_cursor}, invocation.output,
             lambda data: resources_table(kind, data["items"]))  # fmt: skip
        if next_cursor and invocation.output is Output.TABLE:
            stderr_console().print(f"more: --all, or --cursor {next_cursor}", markup=False)

    def show_kind(invocation: Invocation, resource_id: ResourceId) -> None:
        with invocation.session() as session:
            show(session.get(f"/v1/{collection}/{resource_id}"), invocation.output, resource_table)

    def create_kind(
        invocation: Invocation, account: AccountOption, name: NameOption = None, sets: SetOption = None,
        tags: TagOption = None, idempotency_key: IdempotencyOption = None, wait: WaitOption = False,
        timeout: TimeoutOption = DEFAULT_TIMEOUT, **fields: Any,
    ) -> None:  # fmt: skip
        spec: dict[str, Any] = {"account": account, **given_fields(CREATE_OPTIONS.get(kind, ()), fields)}
        if name is not None:
            spec["name"] = name
        if tags:
            spec["tags"] = string_pairs(tags, "--tag")
        spec.update(field_assignments(sets or ()))
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        with invocation.session() as session:
            finish(invocation, session, session.post(f"/v1/{collection}", spec, headers=headers), wait, timeout)

    def edit_kind(
        invocation: Invocation, resource_id: ResourceId, name: NameOption = None, sets: SetOption = None,
        tags: TagOption = None, wait: WaitOption = False, timeout: TimeoutOption = DEFAULT_TIMEOUT,
    ) -> None:  # fmt: skip
        changes: dict[str, Any] = {} if name is None else {"name": name}
        if tags:
            changes["tags"] = string_pairs(tags, "--tag")
        changes.update(field_assignments(sets or ()))
        if not changes:
            raise UsageFailure("nothing_to_change", "give --name, --tag or --set field=value")
        with invocation.session() as session:
            finish(invocation, session, session.patch(f"/v1/{collection}/{resource_id}", changes), wait, timeout)

    def delete_kind(
        invocation: Invocation, resource_id: ResourceId, wait: WaitOption = False,
        timeout: TimeoutOption = DEFAULT_TIMEOUT,
    ) -> None:  # fmt: skip
        with invocation.session() as session:
            finish(invocation, session, session.delete(f"/v1/{collection}/{resource_id}"), wait, timeout)

    def any_action(
        invocation: Invocation, resource_id: ResourceId,
        action: Annotated[str, typer.Argument(metavar="ACTION", help="The action's name (see `cloudgate clouds`).")],
        sets: SetOption = None, wait: WaitOption = False, timeout: TimeoutOption = DEFAULT_TIMEOUT,
    ) -> None:  # fmt: skip
        run_action(invocation, collection, resource_id, action, field_assignments(sets or ()), wait, timeout)

    command(group, "list", help=f"List {label}s (one page unless --all).")(list_kind)
    command(group, "show", help=f"Show one {label}.")(show_kind)
    command(group, "create", help=f"Create {a_label}; fields without an option go through --set.")(
        with_field_options(create_kind, CREATE_OPTIONS.get(kind, ()))
    )
    command(group, "edit", help=f"Change {a_label}.")(edit_kind)
    command(group, "delete", help=f"Delete {a_label}.")(delete_kind)
    for action, options in ACTIONS.get(kind, {}).items():
        command(group, action, help=f"{action.capitalize()} {a_label}.")(action_command(collection, action, options))
    command(group, "action", help=f"Run any action the cloud offers on {a_label}.")(any_action)
    return group


def run_action(
    invocation: Invocation, collection: str, resource_id: str, action: str, params: dict[str, Any], wait: bool,
    timeout: float,
) -> None:  # fmt: skip
    with invocation.session() as session:
        accepted = session.post(f"/v1/{collection}/{resource_id}/actions/{action}", params)
        finish(invocation, session, accepted, wait, timeout)


def action_command(collection: str, action: str, options: Sequence[FieldOption]) -> Callable[..., None]:
    """A command of its own for one action, with typed options for its parameters."""

    def named_action(
        invocation: Invocation, resource_id: ResourceId, sets: SetOption = None, wait: WaitOption = False,
        timeout: TimeoutOption = DEFAULT_TIMEOUT, **fields: Any,
    ) -> None:  # fmt: skip
        params = {**given_fields(options, fields), **field_assignments(sets or ())}
        run_action(invocation, collection, resource_id, action, params, wait, timeout)

    return with_field_options(named_action, options)


def register(app: typer.Typer) -> None:
    for kind in KIND_HELP:
        app.add_typer(kind_group(kind))
