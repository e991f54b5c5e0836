"""Estimated wall time of a first `pulumi up`, from the program's real dependency graph.

The engine starts a resource once everything it depends on exists: its explicit `depends_on`
and every resource whose Outputs feed its inputs. With unbounded parallelism the deploy lasts
as long as the longest chain of creation times through that graph — the critical path. The serial
sum (everything one after another) is printed beside it.

Edges that come from an explicit `depends_on` (rather than data flowing between the resources)
are marked on the critical path: they are where a false dependency would slow every deploy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from graphlib import TopologicalSorter

from ...engine.runner import Registration, StackRun
from . import create_times, update_times


@dataclass(frozen=True)
class Step:
    urn: str
    name: str
    type: str
    seconds: float
    source: str
    via_depends_on: bool  # reached from the previous step only through an explicit depends_on


@dataclass
class Timeline:
    critical_path: list[Step] = field(default_factory=list)
    critical_seconds: float = 0.0
    serial_seconds: float = 0.0
    resources: int = 0


def duration(reg: Registration) -> tuple[float, str]:
    table = create_times()
    if reg.type.startswith("pulumi:providers:"):
        key = reg.type.split(":")[0] + ":providers:aws"
    elif not reg.custom:
        key = "component"
    elif reg.type == "aws:rds/instance:Instance" and reg.inputs.get("replicateSourceDb"):
        key = "rds-replica-cross-region" if str(reg.inputs["replicateSourceDb"]).startswith("arn:") \
            else "rds-replica-same-region"
    elif reg.type == "aws:ec2/vpcEndpoint:VpcEndpoint" and reg.inputs.get("vpcEndpointType") == "Gateway":
        key = "vpc-endpoint-gateway"
    else:
        key = reg.type
    entry = table.get(key, table["default"])
    return float(entry["seconds"]), str(entry["source"])


# Types whose modifications wait for the maintenance window when applyImmediately is false.
DEFERRABLE = {"aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"}


# Settings whose change makes RDS modify the instance (not only record a provider setting).
RDS_MODIFIED_AFTER_PROMOTION = ("instanceClass", "multiAz", "allocatedStorage", "storageType", "iops")


def update_duration(before: Registration, after: Registration) -> tuple[float, str]:
    table = update_times()
    if not after.custom:
        key = "component"
    elif after.type.startswith("pulumi:providers:"):
        key = "pulumi:providers:aws"
    elif after.type == "aws:rds/instance:Instance" and before.inputs.get("replicateSourceDb") \
            and not after.inputs.get("replicateSourceDb"):
        promote = table["rds-promote"]
        # The provider promotes, waits for the instance, then modifies what else changed.
        if any(before.inputs.get(k) != after.inputs.get(k) for k in RDS_MODIFIED_AFTER_PROMOTION):
            modify = table[after.type]
            return (float(promote["seconds"]) + float(modify["seconds"]),
                    f"{promote['source']}; then {modify['source']}")
        return float(promote["seconds"]), str(promote["source"])
    elif after.type in DEFERRABLE and after.inputs.get("applyImmediately") is False:
        key = "deferred-to-maintenance-window"
    else:
        key = after.type
    entry = table.get(key, table["default"])
    return float(entry["seconds"]), str(entry["source"])


@dataclass
class ChangePlan:
    timeline: Timeline
    created: list[str]
    updated: list[str]
    deleted: list[str]
    replaced: list[str] = field(default_factory=list)


def estimate_change(before: StackRun, after: StackRun) -> ChangePlan:
    """The critical path of applying a change: resources the change creates take their create
    time, a replacement its create time (the old one is deleted after, off the path), resources
    whose inputs change their update time, the rest nothing; waits follow the changed program's
    dependency graph. What changes is decided by the change preview's own diff (preflight/plan/changes.py)."""
    from ...plan.changes import base_of, diff

    old, new = before.by_urn(), after.by_urn()
    kinds = {c.urn: c.kind for c in diff(after, base_of(before))}
    created = [u for u in new if u not in old or kinds.get(u) == "create"]
    replaced = [u for u in new if kinds.get(u) == "replace"]
    updated = [u for u in new if kinds.get(u) == "update"]
    deleted = [u for u in old if u not in new]
    durations: dict[str, tuple[float, str]] = {}
    for urn in new:
        if urn in created:
            durations[urn] = duration(new[urn])
        elif urn in replaced:
            seconds, source = duration(new[urn])
            durations[urn] = (seconds, f"replacement: {source}")
        elif urn in updated:
            durations[urn] = update_duration(old[urn], new[urn])
        else:
            durations[urn] = (0.0, "unchanged")
    return ChangePlan(_walk(after, durations, idle_steps=False), [new[u].name for u in created],
                      [new[u].name for u in updated], [old[u].name for u in deleted], [new[u].name for u in replaced])


def data_dependencies(reg: Registration) -> set[str]:
    return {u for urns in reg.property_dependencies.values() for u in urns}


def critical_path(nodes: Mapping[str, float], edges: Mapping[str, set[str]]) -> tuple[list[str], float]:
    """Longest path through a DAG: node -> seconds, node -> the nodes it waits for."""
    finish: dict[str, float] = {}
    previous: dict[str, str | None] = {}
    for node in TopologicalSorter({n: edges.get(n, set()) & nodes.keys() for n in nodes}).static_order():
        waits = [(finish[d], d) for d in edges.get(node, set()) if d in finish]
        start, before = max(waits) if waits else (0.0, None)
        finish[node], previous[node] = start + nodes[node], before
    if not finish:
        return [], 0.0
    end = max(finish, key=lambda n: (finish[n], n))  # ties broken by name: the same answer every run
    path: list[str] = []
    cursor: str | None = end
    while cursor is not None:
        path.append(cursor)
        cursor = previous[cursor]
    return list(reversed(path)), finish[end]


def estimate(run: StackRun) -> Timeline:
    return _walk(run, {reg.urn: duration(reg) for reg in run.resources})


def _walk(run: StackRun, durations: Mapping[str, tuple[float, str]], idle_steps: bool = True) -> Timeline:
    by_urn = run.by_urn()
    nodes = {urn: seconds for urn, (seconds, _) in durations.items()}
    sources = {urn: source for urn, (_, source) in durations.items()}
    edges: dict[str, set[str]] = {}
    for reg in run.resources:
        # A resource waits for its dependencies; a component's children wait for nothing of it.
        waits = set(reg.dependencies) | data_dependencies(reg)
        waits.discard(reg.parent)
        edges[reg.urn] = {w for w in waits if w in by_urn and w != reg.urn}
    path, total = critical_path(nodes, edges)
    if not idle_steps:  # a change: show only what the change makes the engine wait for
        path = [urn for urn in path if nodes[urn] > 0] if total else []
    steps: list[Step] = []
    for index, urn in enumerate(path):
        reg = by_urn[urn]
        via = index > 0 and path[index - 1] not in data_dependencies(reg)
        steps.append(Step(urn=urn, name=reg.name, type=reg.type, seconds=nodes[urn], source=sources[urn],
                          via_depends_on=via))
    return Timeline(critical_path=steps, critical_seconds=total, serial_seconds=sum(nodes.values()),
                    resources=len(nodes))


def explain(steps: Sequence[Step]) -> list[str]:
    return [f"{s.name} waits for {steps[i - 1].name} only through depends_on"
            for i, s in enumerate(steps) if s.via_depends_on]


def summary_lines(result: Timeline) -> list[str]:
    """The critical path as plain text (the README quotes it; a test keeps it current)."""
    lines, elapsed = [], 0.0
    for step in result.critical_path:
        flag = "  (depends_on only)" if step.via_depends_on else ""
        lines.append(f"{elapsed / 60:5.1f} min  {step.name} ({step.type.split(':')[-1]}, "
                     f"{step.seconds / 60:.1f} min){flag}")
        elapsed += step.seconds
    lines.append(f"critical path {result.critical_seconds / 60:.1f} min; serial sum "
                 f"{result.serial_seconds / 60:.1f} min over {result.resources} resources")
    return lines
