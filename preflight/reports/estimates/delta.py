"""The monthly cost change between two `preflight cost --json` documents (a pull request's head
against its target branch): per resource, per tier and in total. Information only."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def _by_resource(document: dict[str, Any]) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for line in document.get("lines", []):
        totals[(line["tier"], line["resource"])] += float(line["usd_month"])
    return totals


def delta(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    before, after = _by_resource(base), _by_resource(head)
    resources = []
    for key in sorted(set(before) | set(after)):
        change = after.get(key, 0.0) - before.get(key, 0.0)
        if abs(change) >= 0.005:
            resources.append({"tier": key[0], "resource": key[1], "base": round(before.get(key, 0.0), 2),
                              "head": round(after.get(key, 0.0), 2), "delta": round(change, 2)})
    resources.sort(key=lambda r: -abs(float(r["delta"])))  # type: ignore[arg-type]
    tiers = []
    for tier in sorted({t for t, _ in before} | {t for t, _ in after}):
        b = sum(v for (t, _), v in before.items() if t == tier)
        a = sum(v for (t, _), v in after.items() if t == tier)
        if abs(a - b) >= 0.005:
            tiers.append({"tier": tier, "base": round(b, 2), "head": round(a, 2), "delta": round(a - b, 2)})
    b_total, a_total = sum(before.values()), sum(after.values())
    return {"resources": resources, "tiers": tiers,
            "total": {"base": round(b_total, 2), "head": round(a_total, 2), "delta": round(a_total - b_total, 2)}}


def markdown(stack: str, result: dict[str, Any]) -> str:
    total = result["total"]
    lines = [f"### Cost change: `{stack}` ({total['delta']:+,.2f} USD/month: "
             f"{total['base']:,.2f} → {total['head']:,.2f})", ""]
    if not result["resources"]:
        return "\n".join([*lines, "No priced resource changes.", ""]) + "\n"
    lines += ["| tier | resource | base | head | change |", "|---|---|---:|---:|---:|"]
    lines += [f"| {r['tier']} | `{r['resource']}` | {r['base']:,.2f} | {r['head']:,.2f} | {r['delta']:+,.2f} |"
              for r in result["resources"]]
    lines += [f"| **{t['tier']}** | | {t['base']:,.2f} | {t['head']:,.2f} | **{t['delta']:+,.2f}** |"
              for t in result["tiers"]]
    lines.append(f"| **total** | | {total['base']:,.2f} | {total['head']:,.2f} | **{total['delta']:+,.2f}** |")
    return "\n".join(lines) + "\n"
