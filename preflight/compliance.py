"""The Security Hub view of a stack before anything is deployed: per AWS Foundational Security Best
Practices control, passed (with how many resources were judged), failed (with the resources), not
applicable (the pack's reason, or no resource of a kind the control judges) or waived.

The controls, and the reasons for those not applicable or waived, come from the pack
(`policies/elite_policies/fsbp.py`); which policies implement a control comes from the metadata
the pack reports over the Analyzer protocol; pass or fail from the violations of that run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from elite_policies import ALL_POLICIES, fsbp
from elite_policies._framework import judged_types

from .analyzer import PolicyRun
from .runner import Registration

JUDGES = {p.name: judged_types(p) for p in ALL_POLICIES}

STATUSES = ("failed", "passed", "waived", "not applicable")


@dataclass(frozen=True)
class ControlResult:
    control: str
    title: str
    severity: str
    status: str
    policies: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    reason: str = ""
    judged: int = 0  # resources the implementing policies passed judgement on


def evaluate(run: PolicyRun, registered: list[Registration]) -> list[ControlResult]:
    by_control: dict[str, list[str]] = defaultdict(list)
    for policy in run.policies:
        if policy["level"] == "disabled":
            continue
        for control in policy.get("controls", []):
            by_control[control].append(policy["name"])
    failing: dict[str, set[str]] = defaultdict(set)
    for violation in run.violations:
        failing[violation.policy].add((violation.urn or "(stack)").split("::")[-1])
    types = [r.type for r in registered if r.custom]
    results = []
    for control, title, severity in fsbp.CONTROLS:
        names = by_control.get(control, [])
        if names:
            resources = sorted({r for name in names for r in failing.get(name, set())})
            judges = [JUDGES[n] for n in names if n in JUDGES]
            judged = sum(1 for token in types if any(j(token) for j in judges))
            if resources:
                results.append(ControlResult(control, title, severity, "failed", names, resources, judged=judged))
            elif judged == 0:
                # Nothing of the kind the control judges: no pass by default.
                results.append(ControlResult(control, title, severity, "not applicable", names,
                                             reason="no resources of the kinds it judges in this stack"))
            else:
                results.append(ControlResult(control, title, severity, "passed", names,
                                             reason=f"{judged} resource(s) judged", judged=judged))
        elif control in fsbp.WAIVED:
            waiver = fsbp.WAIVED[control]
            results.append(ControlResult(control, title, severity, "waived",
                                         reason=f"{waiver.why}. Compensating: {waiver.compensates}"))
        elif control in fsbp.NOT_APPLICABLE:
            results.append(ControlResult(control, title, severity, "not applicable",
                                         reason=fsbp.NOT_APPLICABLE[control]))
        else:  # a control the pack lists as implemented, with its policy disabled in this stack's config
            results.append(ControlResult(control, title, severity, "failed",
                                         reason="no enabled policy implements it in this stack's policy config"))
    return results


def counts(results: list[ControlResult]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in STATUSES}


def as_json(stack: str, results: list[ControlResult]) -> dict[str, Any]:
    return {"stack": stack, "framework": "AWS Foundational Security Best Practices", "summary": counts(results),
            "controls": [r.__dict__ for r in results]}


def markdown(stack: str, results: list[ControlResult]) -> str:
    total = counts(results)
    lines = [f"### FSBP compliance: `{stack}` (offline, before deployment)", "",
             ", ".join(f"**{n}** {s}" for s, n in total.items()), "",
             "| control | severity | status | policies | resources / reason |", "|---|---|---|---|---|"]
    order = {s: i for i, s in enumerate(STATUSES)}
    for r in sorted(results, key=lambda r: order[r.status]):
        detail = ", ".join(f"`{x}`" for x in r.resources) if r.resources else r.reason
        lines.append(f"| {r.control} | {r.severity} | {r.status} | {', '.join(r.policies)} | "
                     f"{detail.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
