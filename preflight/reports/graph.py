"""Draw a stack: components as clusters, resources as nodes, dependencies as edges.

Edges are the engine's dependency facts (explicit depends_on and the Outputs a resource's inputs
were computed from), as a real `pulumi up` orders its steps. Providers are left out: every
resource depends on one and the picture would be all edges.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from ..engine.runner import Registration, StackRun


def _node_id(urn: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]", "_", urn.rsplit("::", 1)[-1])
    return f"{name}_{hashlib.sha256(urn.encode()).hexdigest()[:6]}"


def _label(reg: Registration) -> str:
    return f"{reg.name}<br/>{reg.type.split(':')[-1]}"


def _edges(run: StackRun) -> set[tuple[str, str]]:
    known = {r.urn for r in run.resources if not r.type.startswith("pulumi:providers:")}
    edges = set()
    for reg in run.resources:
        if reg.urn not in known:
            continue
        sources = set(reg.dependencies) | {u for urns in reg.property_dependencies.values() for u in urns}
        for source in sources:
            if source in known and source != reg.urn and source != reg.parent:
                edges.add((source, reg.urn))
    return edges


def render_components(run: StackRun) -> str:
    """Tiers only, with an edge where a resource of one tier consumes an output of another."""
    lines = ["flowchart LR"]
    tops = {}
    for reg in run.resources:
        top = run.outermost_component(reg)
        if top is not None:
            tops[reg.urn] = top
    for top in sorted({t.urn: t for t in tops.values()}.values(), key=lambda t: t.urn):
        lines.append(f'  {_node_id(top.urn)}["{top.type.split(":")[-1]} {top.name}"]')
    edges = {(tops[a].urn, tops[b].urn) for a, b in _edges(run) if a in tops and b in tops and tops[a] is not tops[b]}
    lines += [f"  {_node_id(a)} --> {_node_id(b)}" for a, b in sorted(edges)]
    return "\n".join(lines) + "\n"


def render(run: StackRun, fmt: str) -> str:
    children: dict[str, list[Registration]] = defaultdict(list)
    urns = {r.urn for r in run.resources}
    # Sorted by URN: registration order varies from run to run, the drawing must not.
    for reg in sorted(run.resources, key=lambda r: r.urn):
        if not reg.type.startswith("pulumi:providers:"):
            children[reg.parent if reg.parent in urns else ""].append(reg)
    return _mermaid(run, children) if fmt == "mermaid" else _dot(run, children)


def _mermaid(run: StackRun, children: dict[str, list[Registration]]) -> str:
    lines = ["flowchart LR"]

    def emit(parent: str, indent: str) -> None:
        for reg in children.get(parent, []):
            if not reg.custom:
                lines.append(f'{indent}subgraph {_node_id(reg.urn)}["{reg.type.split(":")[-1]} {reg.name}"]')
                emit(reg.urn, indent + "  ")
                lines.append(f"{indent}end")
            else:
                lines.append(f'{indent}{_node_id(reg.urn)}["{_label(reg)}"]')

    emit("", "  ")
    lines += [f"  {_node_id(a)} --> {_node_id(b)}" for a, b in sorted(_edges(run))]
    return "\n".join(lines) + "\n"


def _dot(run: StackRun, children: dict[str, list[Registration]]) -> str:
    lines = [f'digraph "elite-locadora-{run.stack}" {{', "  rankdir=LR; node [shape=box, fontsize=10];"]

    def emit(parent: str, indent: str) -> None:
        for reg in children.get(parent, []):
            if not reg.custom:
                lines.append(f'{indent}subgraph cluster_{_node_id(reg.urn)} {{')
                lines.append(f'{indent}  label="{reg.type.split(":")[-1]} {reg.name}";')
                emit(reg.urn, indent + "  ")
                lines.append(f"{indent}}}")
            else:
                lines.append(f'{indent}{_node_id(reg.urn)} [label="{_label(reg).replace("<br/>", chr(92) + "n")}"];')

    emit("", "  ")
    lines += [f"  {_node_id(a)} -> {_node_id(b)};" for a, b in sorted(_edges(run))]
    lines.append("}")
    return "\n".join(lines) + "\n"
