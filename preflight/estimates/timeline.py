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

from ..runner import Registration, StackRun
from . import create_times


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
    by_urn = run.by_urn()
    nodes, sources = {}, {}
    for reg in run.resources:
        nodes[reg.urn], sources[reg.urn] = duration(reg)
    edges: dict[str, set[str]] = {}
    for reg in run.resources:
        # A resource waits for its dependencies; a component's children wait for nothing of it.
        waits = set(reg.dependencies) | data_dependencies(reg)
        waits.discard(reg.parent)
        edges[reg.urn] = {w for w in waits if w in by_urn and w != reg.urn}
    path, total = critical_path(nodes, edges)
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
