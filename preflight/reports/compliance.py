"""The auditor's view of a stack before anything is deployed, per framework (FSBP, CIS AWS Foundations
v3.0.0, PCI DSS v4.0.1): one row per control or requirement —

  passed                  the implementing policies judged this stack's resources (how many) and none failed
  failed                  with the resources that fail it
  account baseline        satisfied by the account baseline stack (baseline/) of the account the stack
                          runs in, and checked on that stack's resources (how many)
  waived                  with why and what compensates (the framework table, or --waivers)
  not applicable          with the reason, or no resource of the kinds the control judges anywhere
  outside infrastructure  a process, people or application control, named as such

The controls and their marks come from the pack (`elite_policies.frameworks`); which policies
implement a control from the metadata the pack reports over the Analyzer protocol (FSBP ids in the
framework reference, CIS and PCI ids in tags); pass or fail from the violations of the runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from elite_policies import ALL_POLICIES, account
from elite_policies._framework import judged_types
from elite_policies.frameworks import KEYS, Control, Framework, FrameworkError, implemented_by, load, waiver

from ..engine.analyzer import PolicyRun
from ..engine.runner import Registration

JUDGES = {p.name: judged_types(p) for p in ALL_POLICIES}
ACCOUNT_POLICIES = {p.name for p in account.POLICIES}
STATUSES = ("failed", "passed", "account baseline", "waived", "not applicable", "outside infrastructure")


@dataclass(frozen=True)
class Judged:
    """One stack's policy run and what it registered."""
    stack: str
    run: PolicyRun
    registered: list[Registration]


@dataclass(frozen=True)
class Waiver:
    why: str
    compensates: str
    where: str  # the file that waived it


@dataclass(frozen=True)
class ControlResult:
    control: str
    title: str
    severity: str
    status: str
    policies: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)  # failing ones; for account baseline, those judged
    reason: str = ""
    judged: int = 0  # resources the implementing policies passed judgement on
    stack: str = ""  # where they were judged (this stack, or its account baseline)


def load_waivers(path: Path, frameworks: list[Framework]) -> dict[tuple[str, str], Waiver]:
    """A waiver file: `framework:control` -> {why, compensates}. Refused whole (InputError upstream)
    for an unknown framework or control, or a waiver without its reasons."""
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise FrameworkError(f"--waivers {path}: malformed YAML ({exc})") from None
    if not isinstance(document, Mapping):
        raise FrameworkError(f"--waivers {path}: expected a mapping of framework:control -> {{why, compensates}}")
    known = {f.key: {c.id for c in f.controls} for f in frameworks}
    every = {f: {c.id for c in load(f).controls} for f in KEYS}
    found = {}
    for name, entry in document.items():
        key, _, control = str(name).partition(":")
        if key not in KEYS:
            raise FrameworkError(f"--waivers {path}: {name}: unknown framework {key!r} (one of {', '.join(KEYS)})")
        if control not in every[key]:
            raise FrameworkError(f"--waivers {path}: {name}: {key} has no control {control!r}")
        why, compensates = waiver(f"--waivers {path}: {name}", entry)
        if key in known:
            found[(key, control)] = Waiver(why, compensates, str(path))
    return found


def _enabled(run: PolicyRun) -> list[Mapping[str, Any]]:
    return [p for p in run.policies if p["level"] != "disabled"]


def _failing(run: PolicyRun, names: list[str]) -> list[str]:
    return sorted({(v.urn or "(stack)").split("::")[-1] for v in run.violations if v.policy in names})


def _judged_names(judged: Judged, names: list[str]) -> list[str]:
    judges = [JUDGES[n] for n in names if n in JUDGES]
    return sorted(r.name for r in judged.registered if r.custom and any(j(r.type) for j in judges))


def _judged(judged: Judged, names: list[str]) -> int:
    return len(_judged_names(judged, names))


def _marked(control: Control, base: dict[str, Any]) -> ControlResult:
    reason = f"{control.reason}. Compensating: {control.compensates}" if control.mark == "waived" else control.reason
    return ControlResult(status=control.mark, reason=reason, **base)


def evaluate(framework: Framework, own: Judged, baseline: Judged | None,
             waivers: Mapping[tuple[str, str], Waiver] | None = None, *, expects_baseline: bool = False,
             ) -> list[ControlResult]:
    """Each control of `framework` for the stack `own`; `baseline` is the account baseline's run (None
    for the baseline stack itself, or where no baseline stack hosts the stack: `expects_baseline`
    then fails the account's controls instead of calling them not applicable)."""
    by_control = implemented_by(framework, _enabled(own.run))
    results = []
    for control in framework.controls:
        base: dict[str, Any] = {"control": control.id, "title": control.title, "severity": control.severity}
        waived = (waivers or {}).get((framework.key, control.id))
        names = by_control.get(control.id, [])
        if waived:
            results.append(ControlResult(status="waived", policies=names, **base,
                                         reason=f"{waived.why}. Compensating: {waived.compensates} ({waived.where})"))
            continue
        if not names:
            if control.mark:
                results.append(_marked(control, base))
            else:  # implemented by the pack, but every policy for it is disabled in this stack's config
                results.append(ControlResult(status="failed", **base,
                                             reason="no enabled policy implements it in this stack's policy config"))
            continue
        judged, failing = _judged(own, names), _failing(own.run, names)
        on_account = _judged(baseline, names) if baseline is not None else 0
        if baseline is not None and on_account:
            failing += [f"{baseline.stack}:{r}" for r in _failing(baseline.run, names)]
        if failing:
            results.append(ControlResult(status="failed", policies=names, resources=failing, judged=judged + on_account,
                                         stack=own.stack, **base))
        elif judged:
            also = f", and {on_account} on {baseline.stack}" if baseline is not None and on_account else ""
            results.append(ControlResult(status="passed", policies=names, judged=judged + on_account, stack=own.stack,
                                         reason=f"{judged} resource(s) judged{also}", **base))
        elif baseline is not None and on_account:
            where = _judged_names(baseline, names)
            shown = ", ".join(where[:4]) + (f" and {len(where) - 4} more" if len(where) > 4 else "")
            results.append(ControlResult(status="account baseline", policies=names, judged=on_account,
                                         stack=baseline.stack, resources=[f"{baseline.stack}:{n}" for n in where],
                                         reason=f"{on_account} resource(s) judged on {baseline.stack}: {shown}",
                                         **base))
        elif expects_baseline and baseline is None and ACCOUNT_POLICIES & set(names):
            results.append(ControlResult(status="failed", policies=names, **base,
                                         reason="an account control, and no account baseline stack hosts this stack "
                                                "(baseline/Pulumi.<account>.yaml, platformStacks)"))
        else:
            # Nothing of the kind the control judges: no pass by default.
            nor = " (nor in its account baseline)" if baseline is not None else ""
            results.append(ControlResult(status="not applicable", policies=names, **base,
                                         reason=f"no resources of the kinds it judges in this stack{nor}"))
    return results


def counts(results: list[ControlResult]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in STATUSES}


def as_json(stack: str, baseline: str | None, reports: list[tuple[Framework, list[ControlResult]]]) -> dict[str, Any]:
    return {"stack": stack, "baselineStack": baseline, "frameworks": [
        {"key": f.key, "name": f.name, "version": f.version, "source": f.source, "summary": counts(results),
         "controls": [r.__dict__ for r in results]} for f, results in reports]}


def markdown(stack: str, reports: list[tuple[Framework, list[ControlResult]]]) -> str:
    order = {s: i for i, s in enumerate(STATUSES)}
    lines: list[str] = []
    for framework, results in reports:
        total = counts(results)
        lines += [f"### {framework.title} compliance: `{stack}` (offline, before deployment)", "",
                  ", ".join(f"**{n}** {s}" for s, n in total.items() if n), "",
                  "| control | severity | status | policies | resources / reason |", "|---|---|---|---|---|"]
        for r in sorted(results, key=lambda r: order[r.status]):
            detail = ", ".join(f"`{x}`" for x in r.resources) if r.resources and r.status == "failed" else r.reason
            lines.append(f"| {r.control} | {r.severity or '-'} | {r.status} | {', '.join(r.policies)} | "
                         f"{detail.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def baseline_of(stack: str, baseline_dir: Path) -> str | None:
    """The account baseline stack whose platformStacks hosts `stack`."""
    from components.baseline_config import BASELINE_PROJECT
    from components.config import available_stacks, stack_file_config

    hosts = defaultdict(list)
    for candidate in available_stacks(baseline_dir):
        for hosted in stack_file_config(candidate, baseline_dir).get(f"{BASELINE_PROJECT}:platformStacks") or []:
            hosts[str(hosted)].append(candidate)
    found = hosts.get(stack, [])
    if len(found) > 1:
        raise FrameworkError(f"stack {stack!r} is hosted by several baseline stacks ({', '.join(found)}): one account "
                             "each")
    return found[0] if found else None
