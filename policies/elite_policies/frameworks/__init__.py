"""The frameworks the compliance report speaks: AWS Foundational Security Best Practices (FSBP),
CIS AWS Foundations Benchmark v3.0.0 and PCI DSS v4.0.1.

Each is a list of controls (requirements), every one either implemented by policies — FSBP ids in
a policy's framework reference, CIS and PCI ids in its tags (`cis-aws-3.0:3.1`) — or marked
`outside infrastructure`, `not applicable` or `waived`, each with its reason. The CIS and PCI lists
are data beside this file, with their sources; FSBP's is fsbp.py (Security Hub's own table).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import fsbp

DATA_DIR = Path(__file__).resolve().parent
KEYS = ("fsbp", "cis-aws-3.0", "pci-dss-4.0.1")
MARKS = ("outside infrastructure", "not applicable", "waived")


class FrameworkError(ValueError):
    """A framework table (or a waiver file) that says something it cannot: the message names it."""


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    severity: str = ""
    assessment: str = ""  # CIS: automated | manual
    mark: str = ""  # one of MARKS, or "" (implemented by policies)
    reason: str = ""
    compensates: str = ""
    account: bool = False  # an FSBP control on the account (fsbp.ACCOUNT_CONTROLS)


@dataclass(frozen=True)
class Framework:
    key: str
    name: str
    version: str
    source: str
    controls: tuple[Control, ...]

    @property
    def title(self) -> str:
        return f"{self.name} v{self.version}"

    def ids_of(self, policy: Mapping[str, Any]) -> list[str]:
        """The ids of this framework a policy implements, from its metadata (name, controls, tags)."""
        if self.key == "fsbp":
            return list(policy.get("controls", []))
        prefix = f"{self.key}:"
        return [t.removeprefix(prefix) for t in policy.get("tags", []) if t.startswith(prefix)]


def waiver(where: str, entry: Any) -> tuple[str, str]:
    """(why, compensates) of a waiver, refused unless both are given as sentences."""
    if not isinstance(entry, Mapping):
        raise FrameworkError(f"{where}: a waiver needs `why` and `compensates`")
    why, compensates = str(entry.get("why") or "").strip(), str(entry.get("compensates") or "").strip()
    missing = [k for k, v in (("why", why), ("compensates", compensates)) if len(v) < 10]
    if missing:
        raise FrameworkError(f"{where}: waived without {' and '.join(missing)} (say why, and what compensates)")
    return why, compensates


def _control(where: str, entry: Mapping[str, Any]) -> Control:
    marks = [m for m in MARKS if m in entry]
    if len(marks) > 1:
        raise FrameworkError(f"{where}: marked {' and '.join(marks)}; one at most")
    mark = marks[0] if marks else ""
    reason = compensates = ""
    if mark == "waived":
        reason, compensates = waiver(where, entry["waived"])
    elif mark:
        reason = str(entry[mark] or "").strip()
        if len(reason) < 20:
            raise FrameworkError(f"{where}: `{mark}` needs its reason (a sentence a reviewer can check)")
    unknown = set(entry) - {"id", "title", "assessment", "severity", *MARKS}
    if unknown:
        raise FrameworkError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return Control(id=str(entry["id"]), title=str(entry["title"]), severity=str(entry.get("severity", "")),
                   assessment=str(entry.get("assessment", "")), mark=mark, reason=reason, compensates=compensates)


def parse(document: Mapping[str, Any], source: str) -> Framework:
    controls, seen = [], set()
    for index, entry in enumerate(document.get("controls") or []):
        where = f"{source}: control {entry.get('id', f'#{index + 1}') if isinstance(entry, Mapping) else index + 1}"
        if not isinstance(entry, Mapping) or "id" not in entry or "title" not in entry:
            raise FrameworkError(f"{where}: needs an id and a title")
        if str(entry["id"]) in seen:
            raise FrameworkError(f"{where}: listed twice")
        seen.add(str(entry["id"]))
        controls.append(_control(where, entry))
    for field in ("key", "name", "version", "source"):
        if not document.get(field):
            raise FrameworkError(f"{source}: `{field}` is missing")
    return Framework(key=str(document["key"]), name=str(document["name"]), version=str(document["version"]),
                     source=str(document["source"]), controls=tuple(controls))


def _fsbp() -> Framework:
    controls = []
    for control, title, severity in (*fsbp.CONTROLS, *fsbp.ACCOUNT_CONTROLS):
        account = (control, title, severity) in fsbp.ACCOUNT_CONTROLS
        if control in fsbp.WAIVED:
            w = fsbp.WAIVED[control]
            controls.append(Control(control, title, severity, mark="waived", reason=w.why, compensates=w.compensates))
        elif control in fsbp.NOT_APPLICABLE:
            controls.append(Control(control, title, severity, mark="not applicable",
                                    reason=fsbp.NOT_APPLICABLE[control]))
        else:
            controls.append(Control(control, title, severity, account=account))
    return Framework(key="fsbp", name="AWS Foundational Security Best Practices", version="1.0.0",
                     source="AWS Security Hub, FSBP standard (shared/reference/fsbp-controls.md, and Security Hub's "
                            "account-level controls in fsbp.ACCOUNT_CONTROLS)", controls=tuple(controls))


@functools.cache
def load(key: str) -> Framework:
    if key not in KEYS:
        raise FrameworkError(f"unknown framework {key!r}: one of {', '.join(KEYS)}")
    if key == "fsbp":
        return _fsbp()
    path = DATA_DIR / f"{key}.yaml"
    framework = parse(yaml.safe_load(path.read_text()), path.name)
    if framework.key != key:
        raise FrameworkError(f"{path.name}: key {framework.key!r} is not {key!r}")
    return framework


def implemented_by(framework: Framework, policies: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Control id -> the names of the (enabled) policies whose metadata names it."""
    found: dict[str, list[str]] = {}
    for policy in policies:
        for control in framework.ids_of(policy):
            found.setdefault(control, []).append(str(policy["name"]))
    return found
