"""A preview against prior state: what `pulumi up` would do to each resource.

The base is a plan this CLI wrote (`preview --json`, schema 2 or later) or a `pulumi stack
export` (deployment version 3). Each resource of the program is compared, by URN, with the base:
`create`, `update` (the inputs that change), `replace` (an input whose change the provider cannot
make in place — preflight/plan/replacements.json — or `replaceOnChanges`), `delete` (in the base, not
in the program) or `same`. A replacement or deletion of stateful data is a finding unless
acknowledged by name (`--allow-replace NAME`).

Comparison follows the engine: numbers compare as numbers (the engine sends 3 as 3.0), lists of
scalars as sets (security groups, subnets, aliases: the AWS provider treats them so), secrets are
never shown (a secret on either side is `secret` — changed or not cannot be told from a masked plan
or ciphertext), and a value unknown until `up` is `unknown` (and a replacing one `may replace`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..engine.runner import PROJECT_DIR, Registration, StackRun

TABLE = Path(__file__).resolve().with_name("replacements.json")
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105 - the Pulumi secret envelope's signature key, not a secret
SECRET_MARKER = "[secret]"  # noqa: S105 - what a plan shows instead of a secret input
UNKNOWN_MARKER = "[unknown until up]"  # what a plan shows for a value unknown during preview
# The engine's unknown-value sentinel (a stack export never has one; a plan has the marker).
UNKNOWN_MARKERS = (UNKNOWN_MARKER, "04da6b54-80e4-46f7-96ec-b56ff0331ba9")


def jsonable(value: Any) -> Any:
    """A captured input as plain JSON (unknowns as UNKNOWN_MARKER)."""
    from pulumi.output import Unknown

    if isinstance(value, Unknown):
        return UNKNOWN_MARKER
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)

# What holds data a replacement or deletion destroys, and why it matters.
STATEFUL: dict[str, str] = {
    "aws:rds/instance:Instance": "the database: a new instance starts empty (restore is a runbook step)",
    "aws:elasticache/replicationGroup:ReplicationGroup": "the cache: sessions and queued jobs are lost",
    "aws:s3/bucket:Bucket": "the bucket's objects (customer documents, images, logs)",
    "aws:kms/key:Key": "a key: everything encrypted with it becomes unreadable after its deletion window",
    "aws:opensearch/domain:Domain": "the log search indices",
    "aws:ecr/repository:Repository": "the images the services run",
    "aws:ssm/parameter:Parameter": "a secret or setting the services read at start",
    "aws:route53/zone:Zone": "the hosted zone: a new one has new name servers (the registrar points at the old)",
    "aws:cloudwatch/logGroup:LogGroup": "retained logs (audit evidence)",
    "aws:secretsmanager/secret:Secret": "a secret and its versions",
}


# In-place updates whose effect reaches beyond the resource: what a reviewer must hear.
EFFECTS: dict[tuple[str, str], str] = {
    ("aws:rds/instance:Instance", "identifier"):
        "RDS renames the instance in place: its endpoint and address change, and the old name stops resolving "
        "(the services read the endpoint at start: redeploy them after)",
    ("aws:rds/instance:Instance", "port"): "the endpoint's port changes: clients and security-group rules must follow",
    ("aws:rds/instance:Instance", "instanceClass"):
        "applied at once with applyImmediately, else in the next maintenance window; a Multi-AZ instance fails "
        "over to apply it (about a minute of refused writes)",
    ("aws:elasticache/replicationGroup:ReplicationGroup", "nodeType"):
        "online resize: the group stays available, but the change takes minutes per shard",
}


class BaseError(ValueError):
    """The --against document is not something a preview can be compared with."""


@dataclass
class BaseResource:
    urn: str
    type: str
    inputs: dict[str, Any]
    protect: bool = False
    secret_inputs: set[str] = field(default_factory=set)
    id: str | None = None  # a stack export's: the deployed resource's id and outputs
    outputs: dict[str, Any] | None = None
    retain_on_delete: bool = False


@dataclass
class PropertyChange:
    name: str
    before: Any
    after: Any
    status: str  # changed | added | removed | secret | unknown
    replaces: bool = False


@dataclass
class Change:
    urn: str
    type: str
    name: str
    kind: str  # create | update | replace | delete | same
    properties: list[PropertyChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    may_replace: bool = False
    delete_before_replace: bool = False
    protect: bool = False
    retain_on_delete: bool = False  # a deletion (or the old half of a replacement) leaves it in the account
    effects: list[str] = field(default_factory=list)
    was: str | None = None  # the base URN an alias matched: a rename, not a delete and a create

    @property
    def stateful(self) -> bool:
        return self.type in STATEFUL


@cache
def replacing_inputs() -> dict[str, set[str]]:
    table = json.loads(TABLE.read_text())["types"]
    return {token: {p.split(".")[0] for p in entry["replaces"]} for token, entry in table.items()}


@cache
def unprobed_inputs() -> dict[str, set[str]]:
    table = json.loads(TABLE.read_text())["types"]
    return {token: set(entry.get("notProbedAlone", [])) for token, entry in table.items()}


CACHE_DIR = PROJECT_DIR / ".preflight-cache" / "against"


def start_against(against: str, stack: str, project_dir: Path) -> Callable[[], Path]:
    """Where the base comes from: a file as given; otherwise a git ref, whose program runs offline
    for `stack` in a worktree — started now, beside this run's own program (two cores), its plan
    cached by commit and stack so a second call is instant. Returns what waits for the plan."""
    path = Path(against)
    if path.exists():
        return lambda: path
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{against}^{{commit}}"],  # noqa: S603,S607
                           cwd=project_dir, capture_output=True, text=True, check=False)
    commit = found.stdout.strip()
    if found.returncode != 0 or not commit:
        raise BaseError(f"--against {against}: neither a file nor a git ref of this repository (a plan from "
                        "`preview --json`, a `pulumi stack export`, or a ref such as origin/main)")
    cached = CACHE_DIR / f"{commit}-{stack}.json"
    if cached.exists():
        return lambda: cached
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="preflight-against-")
    tree = Path(scratch) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit],  # noqa: S603,S607
                   cwd=project_dir, capture_output=True, check=True)
    if not (tree / f"Pulumi.{stack}.yaml").exists():
        _remove_worktree(project_dir, tree, scratch)
        cached.write_text(json.dumps({"schemaVersion": 3, "stack": stack, "resources": []}))
        return lambda: cached
    running = subprocess.Popen([sys.executable, "-m", "preflight", "preview", "--stack", stack,  # noqa: S603
                                "--json", str(cached)], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)

    def finish() -> Path:
        out, err = running.communicate()
        _remove_worktree(project_dir, tree, scratch)
        if not cached.exists():
            last = (err or out).strip().splitlines()[-1:] or ["no output"]
            raise BaseError(f"--against {against}: the program at {commit[:12]} did not preview stack {stack!r}: "
                            f"{last[0]}")
        return cached
    return finish


def _remove_worktree(project_dir: Path, tree: Path, scratch: str) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)],  # noqa: S603,S607
                   cwd=project_dir, capture_output=True, check=False)
    shutil.rmtree(scratch, ignore_errors=True)


def load_base(path: Path, stack: str, project: str) -> dict[str, BaseResource]:
    """The resources of a plan (schema >= 2) or a stack export (version 3), by URN."""
    try:
        doc = json.loads(path.read_text())
    except OSError as exc:
        raise BaseError(f"--against {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise BaseError(f"--against {path}: not JSON ({exc.msg}); expected a plan from `preview --json` or a "
                        "`pulumi stack export`") from None
    if isinstance(doc, dict) and "deployment" in doc:
        return _from_export(doc, path, stack, project)
    if isinstance(doc, dict) and "schemaVersion" in doc and "resources" in doc:
        return _from_plan(doc, path, stack)
    raise BaseError(f"--against {path}: neither a plan (`preview --json`, schema 2 or later) nor a `pulumi stack "
                    "export` (version 3)")


def _from_plan(doc: Mapping[str, Any], path: Path, stack: str) -> dict[str, BaseResource]:
    if not isinstance(doc["schemaVersion"], int) or doc["schemaVersion"] < 2:
        raise BaseError(f"--against {path}: a plan of schema {doc['schemaVersion']} carries no inputs; write it "
                        "again with this version's `preview --json` (schema 2 or later)")
    if doc.get("stack") != stack:
        raise BaseError(f"--against {path}: a plan of stack {doc.get('stack')!r}, not {stack!r}")
    # URNs as the engine forms them, rebuilt from each resource's parent chain: plans written before
    # the runner did so carried the SDK mock's (root-stack prefix, only the parent's own type).
    by_urn = {r["urn"]: r for r in doc["resources"]}

    @cache
    def engine_urn(urn: str) -> str:
        r = by_urn.get(urn)
        if r is None or r["type"] == "pulumi:pulumi:Stack":
            return urn
        parent = by_urn.get(r.get("parent") or "")
        chain = engine_urn(parent["urn"]).split("::")[2] if parent and parent["type"] != "pulumi:pulumi:Stack" else ""
        head = urn.split("::")[:2]
        return "::".join([*head, f"{chain}${r['type']}" if chain else r["type"], r["name"]])

    found = {}
    for r in doc["resources"]:
        if r.get("custom"):
            urn = engine_urn(r["urn"])
            found[urn] = BaseResource(urn, r["type"], dict(r.get("inputs") or {}), bool(r.get("protect")),
                                      set(r.get("secretInputs") or ()), retain_on_delete=bool(r.get("retainOnDelete")))
    return found


def _from_export(doc: Mapping[str, Any], path: Path, stack: str, project: str) -> dict[str, BaseResource]:
    if doc.get("version") != 3:
        raise BaseError(f"--against {path}: a stack export of version {doc.get('version')}; expected version 3")
    resources = (doc.get("deployment") or {}).get("resources") or []
    found: dict[str, BaseResource] = {}
    for r in resources:
        urn = str(r.get("urn", ""))
        parts = urn.split("::")
        if len(parts) < 4 or not urn.startswith("urn:pulumi:"):
            raise BaseError(f"--against {path}: resource without a URN ({str(r)[:80]})")
        if parts[0] != f"urn:pulumi:{stack}" or parts[1] != project:
            raise BaseError(f"--against {path}: an export of stack {parts[0].removeprefix('urn:pulumi:')!r} of "
                            f"project {parts[1]!r}, not {stack!r} of {project!r}")
        if not r.get("custom") or str(r.get("type", "")).startswith("pulumi:pulumi:"):
            continue
        inputs = dict(r.get("inputs") or {})
        secret = {k for k, v in inputs.items() if _holds_secret(v)}
        found[urn] = BaseResource(urn, str(r["type"]), inputs, bool(r.get("protect")), secret,
                                  str(r.get("id") or ""), dict(r.get("outputs") or {}),
                                  bool(r.get("retainOnDelete")))
    return found


def base_of(run: StackRun) -> dict[str, BaseResource]:
    """A run of the program as the base of another (timeline --change: before and after a config change)."""
    return {r.urn: BaseResource(r.urn, r.type, {k: jsonable(v) for k, v in r.inputs.items()}, r.protect,
                                set(r.secret_inputs), retain_on_delete=r.retain_on_delete)
            for r in run.resources if r.custom}


def prior_state(base: Mapping[str, BaseResource]) -> dict[str, tuple[str, dict[str, Any]]] | None:
    """What the deployed resources answer with (a stack export); None for a plan, which has no
    outputs (its program's own mock values are compared instead)."""
    state = {urn: (r.id or "", _reveal(r.outputs)) for urn, r in base.items() if r.outputs is not None}
    return state or None


def _reveal(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs with secret envelopes left as a marker (their plaintext is not in the export)."""
    return {k: SECRET_MARKER if _holds_secret(v) else v for k, v in outputs.items()}


def _holds_secret(value: Any) -> bool:
    if isinstance(value, Mapping):
        return SECRET_SIG in value or any(_holds_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secret(v) for v in value)
    return value == SECRET_MARKER


def _unknown(value: Any) -> bool:
    if isinstance(value, str):
        return value in UNKNOWN_MARKERS
    if isinstance(value, Mapping):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_unknown(v) for v in value)
    return False


def normal(value: Any) -> Any:
    """A value as the engine compares it: numbers as floats, scalar lists as sets, JSON text parsed."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "{[":
            try:
                return normal(json.loads(stripped))
            except json.JSONDecodeError:
                return value
        return value
    if isinstance(value, Mapping):
        return {k: normal(v) for k, v in value.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        items = [normal(v) for v in value]
        if all(not isinstance(i, (dict, list)) for i in items):
            return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
        return items
    return value


def _compare(reg: Registration, base: BaseResource) -> list[PropertyChange]:
    on_changes = {p.split(".")[0].split("[")[0] for p in reg.replace_on_changes}
    replacing = replacing_inputs().get(reg.type, set()) | on_changes
    every = "*" in on_changes  # replaceOnChanges: ["*"] — any change replaces
    changes = []
    inputs = {k: jsonable(v) for k, v in reg.inputs.items()}
    for key in sorted(set(inputs) | set(base.inputs)):
        if key.startswith("__"):
            continue
        forces = every or key in replacing
        before, after = base.inputs.get(key), inputs.get(key)
        secret = key in reg.secret_inputs or key in base.secret_inputs or _holds_secret(before)
        if secret:
            if (key in inputs) != (key in base.inputs):
                changes.append(PropertyChange(key, SECRET_MARKER, SECRET_MARKER, "secret", forces))
            continue
        if _unknown(after) and normal(before) != normal(after):
            changes.append(PropertyChange(key, before, None, "unknown", forces))
            continue
        if normal(before) == normal(after):
            continue  # equal, or unknown on both sides (a plan of the same code in preview mode)
        status = "added" if key not in base.inputs else "removed" if key not in inputs else "changed"
        changes.append(PropertyChange(key, before, after, status, forces))
    # ignoreChanges takes the old value for a path; a top-level name (or its nested paths) drops it.
    ignored = {i.split(".")[0].split("[")[0] for i in reg.ignore_changes}
    return [c for c in changes if c.name not in ignored and "*" not in ignored]


def diff(run: StackRun, base: Mapping[str, BaseResource]) -> list[Change]:
    changes = []
    matched: set[str] = set()
    for reg in run.resources:
        if not reg.custom:
            continue
        # The engine matches by URN first, then by each alias: an aliased rename is the same resource.
        was = reg.urn if reg.urn in base else next((a for a in reg.aliases if a in base and a not in matched), None)
        if was is None:
            changes.append(Change(reg.urn, reg.type, reg.name, "create", protect=reg.protect,
                                  retain_on_delete=reg.retain_on_delete))
            continue
        matched.add(was)
        prior = base[was]
        props = _compare(reg, prior)
        replacing = [p for p in props if p.replaces and p.status != "unknown"]
        maybe = [p for p in props if (p.replaces and p.status == "unknown")
                 or p.name in unprobed_inputs().get(reg.type, set())]
        kind = "replace" if replacing else "update" if props or was != reg.urn else "same"
        changes.append(Change(reg.urn, reg.type, reg.name, kind, props,
                              [p.name for p in replacing], may_replace=bool(maybe) and not replacing,
                              delete_before_replace=reg.delete_before_replace, protect=prior.protect or reg.protect,
                              retain_on_delete=reg.retain_on_delete, was=None if was == reg.urn else was,
                              effects=[EFFECTS[reg.type, p.name] for p in props if (reg.type, p.name) in EFFECTS
                                       and kind == "update"]))
    for urn, prior in base.items():
        if urn not in matched:
            changes.append(Change(urn, prior.type, urn.split("::")[-1], "delete", protect=prior.protect,
                                  retain_on_delete=prior.retain_on_delete))
    return changes


def summary_line(changes: list[Change]) -> str:
    count = {k: sum(c.kind == k for c in changes) for k in ("create", "update", "replace", "delete", "same")}
    return (f"+ {count['create']} to create, ~ {count['update']} to update, +-{count['replace']} to replace, "
            f"- {count['delete']} to delete, {count['same']} unchanged")


def protected(changes: list[Change]) -> list[str]:
    """Replacements and deletions a real `up` refuses: the resource carries Pulumi's protect."""
    return [f"{c.name} ({c.type}) is protected: `up` stops at its {c.kind} until `pulumi state unprotect` "
            f"(or protect off in code) — do that only after the data is safe" for c in changes
            if c.kind in ("replace", "delete") and c.protect]


def guard(changes: list[Change], allowed: Mapping[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(findings that stop the preview, acknowledgements printed instead, notes). `allowed` maps a
    resource's logical name to why its replacement or deletion is intended; an entry matching no
    replacement is a note (a stale acknowledgement would let a later change through)."""
    findings, acknowledged, notes = [], [], []
    for c in changes:
        if c.kind not in ("replace", "delete") or not c.stateful:
            continue
        why = f"{c.kind} of {c.name} ({c.type}): {STATEFUL[c.type]}"
        if c.kind == "replace":
            why += f"; forced by {', '.join(c.reasons)}"
        if c.retain_on_delete:
            notes.append(f"{why} — retainOnDelete: the old {c.type.split(':')[-1]} stays in the account, out of "
                         "the stack (delete it by hand once its data is moved)")
        elif c.name in allowed:
            acknowledged.append(f"{why} — acknowledged: {allowed[c.name]}")
        else:
            findings.append(f"{why}. Move or back up the data first, then acknowledge with --allow-replace {c.name} "
                            "or stateful-resources-protected.allowReplace in the stack's policy config")
    touched = {c.name for c in changes if c.kind in ("replace", "delete") and c.stateful}
    notes += [f"acknowledgement for {name} matches no stateful replacement or deletion in this change; remove it"
              for name in allowed if name not in touched]
    return findings, acknowledged, notes


def as_json(changes: list[Change]) -> dict[str, dict[str, Any]]:
    return {c.urn: {"change": c.kind, "replaceReasons": c.reasons, "mayReplace": c.may_replace,
                    "properties": [{"name": p.name, "status": p.status, "replaces": p.replaces} for p in c.properties],
                    **({"previousUrn": c.was} if c.was else {}), **({"effects": c.effects} if c.effects else {})}
            for c in changes}
