"""One command group per resource kind: list, show, create, edit, delete, and the kind's actions. Wherever
a resource or an account is asked for, its name does as well as its id."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.completion import complete_ids
from cloudgate.cli.failures import ApiError, UsageFailure
from cloudgate.cli.hints import with_hint
from cloudgate.cli.lookup import AccountDirectory, collection_of, command_group, noun, resource_id
from cloudgate.cli.parsing import field_assignments, split_pair, string_pairs
from cloudgate.cli.render import Output, Record, show, stderr_console
from cloudgate.cli.resource_views import ResourceViews
from cloudgate.cli.session import Session
from cloudgate.cli.waiting import DEFAULT_TIMEOUT, TimeoutOption, WaitOption, follow
from cloudgate.model import SERVICE_OF, Kind

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


REFERENCE_HELP = "name, id ({prefix}-…) or the cloud's own id"

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

# -- examples for --help, with the names of the demo (`cloudgate serve --demo`) --------------------------

SAMPLE_NAMES: dict[str, str] = {
    "datacenter": "sim-east-a", "flavor": "s1.small", "image": "debian-12", "instance": "web-1",
    "volume": "db-data", "snapshot": "db-data-1", "subnet": "backend", "keypair": "deploy", "security_group": "web",
}  # fmt: skip
LIST_EXAMPLES: dict[str, str] = {
    "instance": "--state running --state stopped --datacenter sim-east-a",
    "volume": "--account alpha-demo --state available",
    "image": "--account alpha-demo --name debian-12",
    "flavor": "--account alpha-demo -c name -c vcpus -f value",
}
CREATE_EXAMPLES: dict[str, str] = {
    "instance": "--name web-3 --flavor s1.small --image debian-12 --datacenter sim-east-a --wait",
    "volume": "--name logs --size-gb 20 --datacenter sim-east-a --wait",
    "snapshot": "--name db-data-1 --volume db-data --wait",
    "image": "--name web-golden --instance web-1 --wait",
    "subnet": "--name backend --cidr 10.0.1.0/24 --datacenter sim-east-a",
    "keypair": '--name deploy --public-key "$(cat ~/.ssh/id_ed25519.pub)"',
    "security_group": "--name web --description 'HTTP from anywhere'",
}
ACTION_EXAMPLES: dict[str, str] = {"attach": "--instance web-1 --device /dev/vdb --wait"}


def examples(kind: str, verb: str) -> tuple[str, ...]:
    """`cloudgate <group> <verb> …` as someone would type it against the demo."""
    group, sample = command_group(kind), SAMPLE_NAMES[kind]
    made = {
        "list": (f"cloudgate {group} list", f"cloudgate {group} list {LIST_EXAMPLES.get(kind, '--account alpha-demo')}"),
        "show": (f"cloudgate {group} show {sample}", f"cloudgate {group} show {sample} --account alpha-demo -f json"),
        "create": (f"cloudgate {group} create --account alpha-demo "
                   + CREATE_EXAMPLES.get(kind, "--name NAME --set FIELD=VALUE"),),
        "edit": (f"cloudgate {group} edit {sample} --name {sample}-old --tag env=prod",),
        "delete": (f"cloudgate {group} delete {sample} --wait",),
        "action": (f"cloudgate {group} action {sample} ACTION --set FIELD=VALUE --wait",),
    }  # fmt: skip
    return made.get(verb) or (f"cloudgate {group} {verb} {sample} {ACTION_EXAMPLES.get(verb, '--wait')}",)


# -- options --------------------------------------------------------------------------------------------

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="field=value, the value read as JSON when it parses (repeatable)."),
]
TagOption = Annotated[list[str] | None, typer.Option("--tag", help="Tag as key=value (repeatable).")]
NameOption = Annotated[str | None, typer.Option("--name", help="The resource's name.")]
AccountOption = Annotated[
    str | None,
    typer.Option(
        "--account", envvar="CLOUDGATE_ACCOUNT", show_default=False,
        help="Account to create it in: alias, name or id (acc-…); may be left out when --scope names the cloud of "
        "the kind's service.",
    ),
]  # fmt: skip
NarrowAccount = Annotated[
    str | None, typer.Option("--account", help="Look the name up in this account only (name or id).")
]
IdempotencyOption = Annotated[
    str | None, typer.Option("--idempotency-key", help="Repeating a create with the same key creates it only once.")
]


ANY_OF = " Repeat for any of several."
FilterAccount = Annotated[
    list[str] | None,
    typer.Option("--account", help="Only what this account can use (alias, name or id)." + ANY_OF),
]
FilterState = Annotated[list[str] | None, typer.Option("--state", help="Only in this state." + ANY_OF)]
FilterName = Annotated[list[str] | None, typer.Option("--name", help="Only with this name." + ANY_OF)]
FilterCloud = Annotated[list[str] | None, typer.Option("--cloud", help="Only on this cloud type." + ANY_OF)]
FilterDatacenter = Annotated[
    list[str] | None,
    typer.Option("--datacenter", help="Only in this datacenter (name, id or the cloud's id)." + ANY_OF),
]
FilterId = Annotated[list[str] | None, typer.Option("--id", help="Only this gateway id." + ANY_OF)]
FilterCloudId = Annotated[list[str] | None, typer.Option("--cloud-id", help="Only with this id on the cloud." + ANY_OF)]
FilterTag = Annotated[
    list[str] | None, typer.Option("--tag", help="Only with this tag, as key=value (repeat: all must match).")
]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=MAX_PAGE, help="Items per page.")]
AllOption = Annotated[bool, typer.Option("--all", help="Follow the cursors to the last page.")]
CursorOption = Annotated[str | None, typer.Option("--cursor", help="Start at this page (from a previous listing).")]
REFERENCE = "resource"  # the parameter every command on one resource names it by


def reference_argument(kind: str) -> Any:
    return Annotated[
        str,
        typer.Argument(
            metavar="NAME_OR_ID", help=f"The {noun(kind)}: its name, gateway id or the cloud's own id.",
            show_default=False, autocompletion=complete_ids(kind),
        ),
    ]  # fmt: skip


def with_parameters(fn: Callable[..., None], kind: str, options: Sequence[FieldOption] = ()) -> Callable[..., None]:
    """Give `fn` the kind's completing argument for its resource and, for its `**fields`, one keyword option
    per FieldOption (typer reads the signature)."""
    signature = inspect.signature(fn, eval_str=True)
    fixed = [
        p.replace(annotation=reference_argument(kind)) if p.name == REFERENCE else p
        for p in signature.parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
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
    session: Session, kind: str, filters: dict[str, Any], limit: int, all_pages: bool, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of `kind` (every page with `all_pages`) and the cursor of the next page, if any."""
    items: list[dict[str, Any]] = []
    while True:
        page = session.get(f"/v1/{collection_of(kind)}", **filters, limit=limit, cursor=cursor)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not (all_pages and cursor):
            return items, cursor


def accepted_view(accepted: dict[str, Any]) -> Record:
    """A 202 answer in brief: the operation, and the resource it creates when it does."""
    op = accepted["operation"]
    view = {"operation": op["id"], "state": op["state"], "action": op["action"], "resource_id": op["resource_id"]}
    resource = accepted.get("resource")
    if resource:
        view.update({"name": resource.get("name"), "resource_state": resource.get("state")})
    return Record(view)


def show_resource(invocation: Invocation, session: Session, record: dict[str, Any]) -> None:
    kind = str(record["kind"])
    show(record, invocation.look, lambda data: ResourceViews(session, kind, [data]).record(data))


def finish(invocation: Invocation, session: Session, accepted: dict[str, Any], wait: bool, timeout: float) -> None:
    """Show an accepted mutation, or with `wait` follow its operation and show the resource as it settled."""
    if not wait:
        show(accepted, invocation.look, accepted_view)
        if invocation.output is Output.TABLE:
            op_id = accepted["operation"]["id"]
            stderr_console().print(f"follow it: cloudgate operation show {op_id} --wait", markup=False)
        return
    op = follow(session, accepted["operation"], timeout)
    if op["action"] == "destroy":
        show(op, invocation.look)
    else:
        show_resource(invocation, session, session.get(f"/v1/{collection_of(op['kind'])}/{op['resource_id']}"))


def change(
    invocation: Invocation, kind: str, action: str, resource: str, request: Callable[[Session, str], Any],
    wait: bool, timeout: float, account: str | None = None,
) -> None:  # fmt: skip
    """Run a change on the resource `resource` names: `request(session, its id)` answers 202, or a failure
    that says what to do next."""
    with invocation.session() as session:
        found = resource_id(session, kind, resource, account)
        try:
            accepted = request(session, found)
        except ApiError as failure:
            raise with_hint(failure, kind, action, found) from None
        finish(invocation, session, accepted, wait, timeout)


def kind_group(kind: str) -> typer.Typer:
    """The command group of one kind (`instance`, `security-group`, …)."""
    group = new_group(command_group(kind), KIND_HELP[kind])
    collection = collection_of(kind)
    label = noun(kind)
    a_label = ("an " if label[0] in "aeiou" else "a ") + label

    def list_kind(
        invocation: Invocation, account: FilterAccount = None, state: FilterState = None, name: FilterName = None,
        cloud: FilterCloud = None, datacenter: FilterDatacenter = None, ids: FilterId = None,
        cloud_ids: FilterCloudId = None, tag: FilterTag = None, limit: LimitOption = 100,
        all_pages: AllOption = False, cursor: CursorOption = None,
    ) -> None:  # fmt: skip
        filters = {"account": account, "state": state, "name": name, "cloud": cloud, "datacenter": datacenter,
                   "id": ids, "cloud_id": cloud_ids, "tag": ["=".join(split_pair(t, "--tag")) for t in tag or ()]}  # fmt: skip
        with invocation.session() as session:
            if account:
                directory = AccountDirectory(session)
                filters["account"] = [directory.unaliased(value) for value in account]
            items, next_cursor = list_resources(
                session, kind, {k: v for k, v in filters.items() if v}, limit, all_pages, cursor
            )
            show({"items": items, "next_cursor": next_cursor}, invocation.look,
                 lambda data: ResourceViews(session, kind, data["items"]).rows(data["items"]))  # fmt: skip
        if next_cursor and invocation.output is Output.TABLE:
            stderr_console().print(f"more: --all, or --cursor {next_cursor}", markup=False)

    def show_kind(invocation: Invocation, resource: str, account: NarrowAccount = None) -> None:
        with invocation.session() as session:
            found = resource_id(session, kind, resource, account)
            show_resource(invocation, session, session.get(f"/v1/{collection}/{found}"))

    def create_kind(
        invocation: Invocation, account: AccountOption = None, name: NameOption = None, sets: SetOption = None,
        tags: TagOption = None, idempotency_key: IdempotencyOption = None, wait: WaitOption = False,
        timeout: TimeoutOption = DEFAULT_TIMEOUT, **fields: Any,
    ) -> None:  # fmt: skip
        # References (--flavor s1.small) go as given: the gateway finds them within the account.
        spec: dict[str, Any] = given_fields(CREATE_OPTIONS.get(kind, ()), fields)
        if name is not None:
            spec["name"] = name
        if tags:
            spec["tags"] = string_pairs(tags, "--tag")
        spec.update(field_assignments(sets or ()))
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        if account is None and not invocation.options.scope:
            raise UsageFailure(
                "account_expected", f"give --account, or a --scope naming the {SERVICE_OF[Kind(kind)]} cloud"
            )
        with invocation.session() as session:
            if account is not None:
                spec["account"] = AccountDirectory(session).id_of(account)
            try:
                accepted = session.post(f"/v1/{collection}", spec, headers=headers)
            except ApiError as failure:
                raise with_hint(failure, kind, "create", "") from None
            finish(invocation, session, accepted, wait, timeout)

    def edit_kind(
        invocation: Invocation, resource: str, name: NameOption = None, sets: SetOption = None,
        tags: TagOption = None, account: NarrowAccount = None, wait: WaitOption = False,
        timeout: TimeoutOption = DEFAULT_TIMEOUT,
    ) -> None:  # fmt: skip
        changes: dict[str, Any] = {} if name is None else {"name": name}
        if tags:
            changes["tags"] = string_pairs(tags, "--tag")
        changes.update(field_assignments(sets or ()))
        if not changes:
            raise UsageFailure("nothing_to_change", "give --name, --tag or --set field=value")
        change(invocation, kind, "edit", resource, lambda session, found: session.patch(f"/v1/{collection}/{found}",
               changes), wait, timeout, account)  # fmt: skip

    def delete_kind(
        invocation: Invocation, resource: str, account: NarrowAccount = None, wait: WaitOption = False,
        timeout: TimeoutOption = DEFAULT_TIMEOUT,
    ) -> None:  # fmt: skip
        change(invocation, kind, "destroy", resource, lambda session, found: session.delete(f"/v1/{collection}/{found}"),
               wait, timeout, account)  # fmt: skip

    def any_action(
        invocation: Invocation, resource: str,
        action: Annotated[str, typer.Argument(metavar="ACTION", help="The action's name (see `cloudgate clouds`).")],
        sets: SetOption = None, account: NarrowAccount = None, wait: WaitOption = False,
        timeout: TimeoutOption = DEFAULT_TIMEOUT,
    ) -> None:  # fmt: skip
        run_action(invocation, kind, resource, action, field_assignments(sets or ()), wait, timeout, account)

    def register(verb: str, help_text: str, fn: Callable[..., None], options: Sequence[FieldOption] = ()) -> None:
        command(group, verb, help=help_text, examples=examples(kind, verb))(with_parameters(fn, kind, options))

    register("list", f"List {label}s (one page unless --all).", list_kind)
    register("show", f"Show one {label}.", show_kind)
    register("create", f"Create {a_label}; fields without an option go through --set.", create_kind,
             CREATE_OPTIONS.get(kind, ()))  # fmt: skip
    register("edit", f"Change {a_label}.", edit_kind)
    register("delete", f"Delete {a_label}.", delete_kind)
    for action, options in ACTIONS.get(kind, {}).items():
        register(action, f"{action.capitalize()} {a_label}.", action_command(kind, action, options), options)
    register("action", f"Run any action the cloud offers on {a_label}.", any_action)
    return group


def run_action(
    invocation: Invocation, kind: str, resource: str, action: str, params: dict[str, Any], wait: bool,
    timeout: float, account: str | None,
) -> None:  # fmt: skip
    path = f"/v1/{collection_of(kind)}/{{}}/actions/{action}"
    change(invocation, kind, action, resource, lambda session, found: session.post(path.format(found), params),
           wait, timeout, account)  # fmt: skip


def action_command(kind: str, action: str, options: Sequence[FieldOption]) -> Callable[..., None]:
    """A command of its own for one action, with typed options for its parameters."""

    def named_action(
        invocation: Invocation, resource: str, sets: SetOption = None, account: NarrowAccount = None,
        wait: WaitOption = False, timeout: TimeoutOption = DEFAULT_TIMEOUT, **fields: Any,
    ) -> None:  # fmt: skip
        params = {**given_fields(options, fields), **field_assignments(sets or ())}
        run_action(invocation, kind, resource, action, params, wait, timeout, account)

    return named_action


def register(app: typer.Typer) -> None:
    for kind in KIND_HELP:
        app.add_typer(kind_group(kind))
