"""Run the Pulumi program for one stack under the mock engine, offline.

Config reaches the program exactly as the CLI passes it: Pulumi.yaml's project-level defaults
overlaid by Pulumi.<stack>.yaml, every value a string (objects and lists JSON-encoded), `secure:`
values replaced by placeholders and marked secret. Every registration the engine would see is
captured: type, name, parent, provider, dependencies, options, and the inputs both as the raw
engine Struct (what a policy pack receives) and as plain Python values.
"""

from __future__ import annotations

import functools
import json
import logging
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import get_root_resource, set_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from components.config import PROJECT, SUPPLIED_SECRET_KEYS

from . import constraints
from .mocks import ACCOUNT_ID, AwsMocks

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Secrets a person supplies, per project: the offline run puts a placeholder where one is unset
# (and says so), as a real deployment would fail until `pulumi config set --secret`.
SUPPLIED_SECRETS = {PROJECT: [f"{PROJECT}:{key}" for key in SUPPLIED_SECRET_KEYS]}
SECRET_PLACEHOLDER = "preflight-placeholder-secret"  # noqa: S105 - stands in for ciphertext


# Config keys naming another stack of the project that the program reads by StackReference
# (`pulumi.StackReference(f"{organization}/{project}/{name}")`).
REFERENCE_KEYS = ("standbyFor",)
ORGANIZATION = "organization"  # the organization of a self-managed (S3) backend


class UnknownStackError(ValueError):
    pass


class ProgramError(RuntimeError):
    """The program (or its config) failed; the message is the program's own.

    `registered` holds what the program had registered before it failed (a config error
    must leave it empty).
    """

    def __init__(self, message: str, registered: list[Registration] | None = None) -> None:
        super().__init__(message)
        self.registered = registered or []


class ConstraintError(ProgramError):
    """The program ran, but AWS would reject some of what it registered at create time."""

    def __init__(self, message: str, registered: list[Registration], violations: list) -> None:
        super().__init__(message, registered)
        self.violations = violations


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    ignore_changes: list[str]
    custom_timeouts: dict[str, str]
    aliases: list[str]  # the URNs this resource was known by (aliases, resolved as the engine does)
    remote: bool
    engine_inputs: struct_pb2.Struct
    inputs: dict[str, Any]
    secret_inputs: set[str]
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    region: str = ""  # of the resource's provider
    delete_before_replace: bool = False
    replace_on_changes: list[str] = field(default_factory=list)


@dataclass
class StackRun:
    stack: str
    preview: bool
    resources: list[Registration]
    exports: dict[str, Any]
    warnings: list[str]
    notes: list[str]
    secret_exports: set[str] = field(default_factory=set)

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(token) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {token} {name or ''}, found "
                              f"{[r.name for r in found]}")
        return found[0]

    def by_urn(self) -> dict[str, Registration]:
        return dict(self._urn_index)

    @functools.cached_property
    def _urn_index(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.resources}

    def outermost_component(self, reg: Registration) -> Registration | None:
        """The top-level component (a tier) a resource belongs to; a component is its own."""
        by_urn = self._urn_index
        top = None if reg.custom else reg
        current = by_urn.get(reg.parent)
        while current is not None:
            if not current.custom:
                top = current
            current = by_urn.get(current.parent)
        return top

    def top_component(self, reg: Registration) -> str:
        top = self.outermost_component(reg)
        return top.name if top is not None else "(stack)"


def project_name(project_dir: Path = PROJECT_DIR) -> str:
    return str(yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"])


def available_stacks(project_dir: Path = PROJECT_DIR) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def _as_cli_string(value: Any) -> str:
    # The CLI hands every config value to the language host as a string; structured values
    # are JSON, booleans lower-case.
    if isinstance(value, str):
        return value
    return json.dumps(value)


def load_cli_config(stack: str, overrides: dict[str, Any] | None = None,
                    project_dir: Path = PROJECT_DIR, fill_missing_secrets: bool = True,
                    settings_from: str | None = None,
                    ) -> tuple[dict[str, str], set[str], list[str]]:
    """Config as `pulumi preview --stack <stack>` would pass it: values, secret keys, notes.

    `settings_from` reads another stack's file, as if Pulumi.<stack>.yaml were its copy (to try a
    new stack name before creating its file)."""
    stacks = available_stacks(project_dir)
    source = settings_from or stack
    if source not in stacks:
        raise UnknownStackError(f"unknown stack {source!r}; available stacks: {', '.join(stacks)}")
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    stack_file = yaml.safe_load((project_dir / f"Pulumi.{source}.yaml").read_text()) or {}
    name = project["name"]
    values: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(decl, dict) and ("default" in decl or "type" in decl):
            if "default" in decl:
                values[full] = decl["default"]
        else:
            values[full] = decl
    declared_secrets = list(SUPPLIED_SECRETS.get(name, ()))
    secret_keys: set[str] = set()
    for key, value in (stack_file.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            value = SECRET_PLACEHOLDER
            secret_keys.add(full)
        values[full] = value
    notes = []
    # A stack that reads another (a DR stack) takes its secrets from that stack's exports.
    reads_another = any(values.get(f"{name}:{key}") for key in REFERENCE_KEYS)
    if fill_missing_secrets and not reads_another:
        for full in declared_secrets:
            if full not in values:
                values[full] = SECRET_PLACEHOLDER
                secret_keys.add(full)
                notes.append(f"{full} is not set in Pulumi.{stack}.yaml; the offline run used a "
                             f"placeholder. Set it with `pulumi config set --secret "
                             f"{full.split(':', 1)[1]}` before `pulumi up`.")
    for key, value in (overrides or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if value is None:
            values.pop(full, None)
        else:
            values[full] = value
    return {k: _as_cli_string(v) for k, v in values.items()}, secret_keys, notes


def _unwrap_secrets(value: Any) -> tuple[Any, bool]:
    """Plain value, and whether a secret was anywhere inside it (a secret nested in a list or
    object makes the whole top-level property secret, as the engine treats it)."""
    if rpc.is_rpc_secret(value):
        return _unwrap_secrets(rpc.unwrap_rpc_secret(value))[0], True
    if isinstance(value, list):
        items = [_unwrap_secrets(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    if isinstance(value, dict):
        pairs = {k: _unwrap_secrets(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    return value, False


class _CapturingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, plus what the engine does that mocks skip: outputs named in
    `additionalSecretOutputs`, and outputs fed by secret inputs, come back secret. It also keeps
    each registration request as the engine saw it."""

    def __init__(self, mocks: AwsMocks, prior: dict[str, tuple[str, dict[str, Any]]] | None = None) -> None:
        super().__init__(mocks)
        self.aws = mocks
        self.registrations: list[Registration] = []
        # URN -> (id, outputs) of a deployed stack: an existing resource answers with what it has,
        # so references between resources carry the real ids and ARNs (`preview --against`).
        self.prior = prior or {}
        self.known_as: dict[str, list[str]] = {}  # URN -> its alias URNs, for its children

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives: the parent's whole type chain, and none for the root stack
        (the SDK's mock keeps only the parent's own type, and prefixes the stack's), so that a
        `pulumi stack export` of the deployed stack lines up resource by resource."""
        chain = parent.split("::")[2] if parent else ""
        qualified = type_ if chain in ("", "pulumi:pulumi:Stack") else f"{chain}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), qualified, name])

    def alias_urns(self, request: Any) -> list[str]:
        """Each alias as a URN, the engine's way: a spec's blanks are the resource's own name,
        type, stack and project; its parent the resource's unless `noParent` or `parentUrn`; and a
        child of an aliased parent is also known under each of the parent's old URNs."""
        found = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.WhichOneof("alias") == "urn":
                found.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else spec.parentUrn or request.parent
            chain = parent.split("::")[2] if parent else ""
            typ = spec.type or request.type
            qualified = typ if chain in ("", "pulumi:pulumi:Stack") else f"{chain}${typ}"
            stack, project = spec.stack or pulumi.get_stack(), spec.project or pulumi.get_project()
            found.append("urn:pulumi:" + "::".join([stack, project, qualified, spec.name or request.name]))
        for old_parent in self.known_as.get(request.parent, []):
            found.append(self.make_urn(old_parent, request.type, request.name))
        urn = self.make_urn(request.parent, request.type, request.name)
        unique = [a for a in dict.fromkeys(found) if a != urn]
        if unique:
            self.known_as[urn] = unique
        return unique

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        plain: dict[str, Any] = {}
        secret_inputs: set[str] = set()
        for key, value in inputs.items():
            plain[key], secret = _unwrap_secrets(value)
            if secret:
                secret_inputs.add(key)
        resource_id: str | None
        known_as = self.alias_urns(request)
        was = next((u for u in [urn, *known_as] if u in self.prior), None)
        if was and request.custom and not request.type.startswith("pulumi:providers:"):
            prior_id, prior_outputs = self.prior[was]
            resource_id, state = prior_id, {**prior_outputs, **plain}
        else:
            resource_id, state = self.mocks.new_resource(pulumi_mocks.MockResourceArgs(
                typ=request.type, name=request.name, inputs=plain, provider=request.provider,
                resource_id=request.importId, custom=request.custom or False))
        secret_outputs = secret_inputs | set(request.additionalSecretOutputs)
        wire_state = {k: rpc.wrap_rpc_secret(v) if k in secret_outputs else v for k, v in state.items()}
        response = resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id or "", object=_sync_await(rpc.serialize_properties(wire_state, {})))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, resource_id or "", state)
        timeouts = request.customTimeouts
        self.registrations.append(Registration(
            urn=urn, type=request.type, name=request.name, custom=request.custom,
            parent=request.parent, provider=request.provider,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            protect=request.protect, retain_on_delete=request.retainOnDelete,
            ignore_changes=list(request.ignoreChanges),
            custom_timeouts={k: getattr(timeouts, k) for k in ("create", "update", "delete")
                             if getattr(timeouts, k)},
            aliases=known_as, remote=request.remote,
            engine_inputs=request.object, inputs=plain, secret_inputs=secret_inputs,
            id=resource_id or None, outputs=state, region=self.aws.region_of(request.provider),
            delete_before_replace=request.deleteBeforeReplace,
            replace_on_changes=list(request.replaceOnChanges),
        ))
        return response


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_stack(stack: str, *, preview: bool = False, overrides: dict[str, Any] | None = None,
              fill_missing_secrets: bool = True, project_dir: Path = PROJECT_DIR,
              settings_from: str | None = None, caller_account: str | None = None,
              prior: dict[str, tuple[str, dict[str, Any]]] | None = None,
              lookups: dict[tuple[str, str], dict[str, Any]] | None = None) -> StackRun:
    """Execute __main__.py for `stack` under the mock engine and return what it registered.

    Raises UnknownStackError for a stack with no Pulumi.<stack>.yaml and ProgramError when the
    program raises (bad config included).
    """
    config, secret_keys, notes = load_cli_config(stack, overrides, project_dir,
                                                 fill_missing_secrets, settings_from)
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
    # Stacks this one reads through a StackReference run first (as deployed: update mode), so the
    # reference answers with real-shaped outputs, secrets still secret.
    referenced = {}
    for key in REFERENCE_KEYS:
        other = config.get(f"{project}:{key}")
        # Without a stack file the program's own config check names the key; the mocks would only
        # say "unknown stack reference".
        if other and other in available_stacks(project_dir) and other != stack:
            run = run_stack(other, project_dir=project_dir, fill_missing_secrets=fill_missing_secrets)
            referenced[f"{ORGANIZATION}/{project}/{other}"] = (run.exports, run.secret_exports)
    set_all_config(config, sorted(secret_keys))
    region = config.get("aws:region", "us-east-1")
    # The offline credentials belong to the account the stack names (a stack file with its real
    # accountId previews cleanly); `caller_account` simulates credentials of another one.
    account = caller_account or config.get(f"{project}:accountId") or ACCOUNT_ID
    mocks = AwsMocks(preview=preview, default_region=region, account_id=account, stack_outputs=referenced,
                     lookups=lookups)
    monitor = _CapturingMonitor(mocks, prior)
    logger = logging.getLogger(f"preflight.engine.{stack}")
    logger.propagate = False
    collector = _WarningCollector()
    logger.handlers = [collector]
    # A fresh root Stack per run: set_mocks reuses an existing one, and with it the previous
    # run's exports.
    set_root_resource(None)  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview,
                             logger=logger, monitor=monitor, organization=ORGANIZATION)
    def program() -> None:
        # The directory, as the language host runs it: its folder is importable while it runs.
        runpy.run_path(str(project_dir), run_name="__main__")

    try:
        _sync_await(run_pulumi_func(program))
        root = get_root_resource()
        outputs = getattr(root, "outputs", {})  # the Stack resource's `pulumi.export`s
        exports = _sync_await(pulumi.Output.from_input(outputs).future())
        secret_exports = {name for name, value in (outputs or {}).items()
                          if isinstance(value, pulumi.Output) and _sync_await(value.is_secret())}
    except pulumi.RunError as exc:
        raise ProgramError(str(exc), monitor.registrations) from exc
    except Exception as exc:
        raise ProgramError(f"{type(exc).__name__}: {exc}", monitor.registrations) from exc
    finally:
        set_all_config({}, [])
    violations = constraints.check_all(monitor.registrations)
    if violations:
        raise ConstraintError(constraints.describe(violations), monitor.registrations, violations)
    return StackRun(stack=stack, preview=preview, resources=monitor.registrations,
                    exports=exports or {}, warnings=collector.messages, notes=notes, secret_exports=secret_exports)
