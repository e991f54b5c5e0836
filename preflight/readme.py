"""Refresh the README's generated parts from the program: the production diagram, the resource
count, the cost table and the first-deploy critical path; the table of contents, the CLI reference
(from the argparse definitions) and the benchmark figures (bench/results.json, written by
`make bench`). Tests fail when they go stale.

    python -m preflight.readme        (make readme)
"""

from __future__ import annotations

import argparse
import json
import re

from elite_policies.pricing.cost import estimate as cost

from .cli import summary
from .engine.runner import PROJECT_DIR, run_stack
from .reports.estimates.guide import DR_DATABASE, DR_STACK, LEVERS, guide_dr_overrides, guide_overrides, lever_overrides
from .reports.estimates.recovery import recovery, recovery_lines
from .reports.estimates.timeline import estimate as timeline
from .reports.estimates.timeline import summary_lines
from .reports.graph import render_components

README = PROJECT_DIR / "README.md"


def cost_table() -> str:
    staging, production = cost(run_stack("staging")), cost(run_stack("production"))
    tiers = list(dict.fromkeys([*production.by_tier(), *staging.by_tier()]))
    rows = [f"| {t} | {staging.by_tier().get(t, 0):,.2f} | {production.by_tier().get(t, 0):,.2f} |" for t in tiers]
    return "\n".join(["| tier | staging | production |", "|---|---:|---:|", *rows,
                      f"| **total** | **{staging.total:,.2f}** | **{production.total:,.2f}** |"])


def guide_table() -> str:
    """Production against the guide's literal spec (same rules, prices and usage), per tier; then
    the us-west-2 share: the guide's replica against the production-dr standby."""
    production = cost(run_stack("production"))
    spec = cost(run_stack("production", overrides=guide_overrides()))
    standby = cost(run_stack(DR_STACK))
    guide_replica = sum(line.usd_month for line in cost(run_stack(DR_STACK, overrides=guide_dr_overrides())).lines
                        if line.resource == DR_DATABASE)
    ours_replica = sum(line.usd_month for line in standby.lines if line.resource == DR_DATABASE)
    tiers = list(dict.fromkeys([*spec.by_tier(), *production.by_tier()]))
    rows = [f"| {t} | {spec.by_tier().get(t, 0):,.2f} | {production.by_tier().get(t, 0):,.2f} |" for t in tiers]
    return "\n".join(["| tier | guide's literal spec | production |", "|---|---:|---:|", *rows,
                      f"| **total, on demand** | **{spec.total:,.2f}** | **{production.total:,.2f}** "
                      f"({production.total / spec.total:.2%} of the spec) |",
                      f"| 1-year commitments | {spec.committed_total:,.2f} | {production.committed_total:,.2f} |",
                      f"| us-west-2: the guide's read replica / {DR_STACK} (its database {ours_replica:,.2f}) | "
                      f"{guide_replica:,.2f} | {standby.total:,.2f} |",
                      f"| **with the DR region** | **{spec.total + guide_replica:,.2f}** | "
                      f"**{production.total + standby.total:,.2f}** "
                      f"({(production.total + standby.total) / (spec.total + guide_replica):.2%}) |"])


def levers_table() -> str:
    production = cost(run_stack("production")).total
    rows = []
    for name, (_, trade) in LEVERS.items():
        saving = cost(run_stack("production", overrides=lever_overrides(name))).total - production
        rows.append(f"| {name} | {saving:,.2f} | {trade} |")
    return "\n".join(["| lever (production) | saves USD/month | what it trades |", "|---|---:|---|", *rows])


def _between(text: str, marker: str, body: str) -> str:
    """Replace what lies between <!-- marker --> and <!-- /marker -->."""
    pattern = re.compile(rf"(<!-- {marker} -->\n)(?:.*\n)*?(<!-- /{marker} -->)")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text, count=1)


def table_of_contents(text: str) -> str:
    lines, fenced = [], False
    for line in text.splitlines():
        fenced = fenced != line.startswith("```")
        match = re.match(r"^(##|###) (.+)$", line)
        if match and not fenced and match.group(2) != "Contents":
            title = match.group(2)
            anchor = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
            lines.append(f"{'  ' if match.group(1) == '###' else ''}- [{title}](#{anchor})")
    return "\n".join(lines) + "\n"


def cli_reference() -> str:
    from .cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    out = []
    for name, command in sub.choices.items():
        out += [f"**`python -m preflight {name}`** — {helps.get(name, '')}", "",
                "| option | meaning |", "|---|---|"]
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            flags = ", ".join(f"`{o}`" for o in action.option_strings)
            if action.metavar or action.choices:
                flags += f" `{action.metavar or ' / '.join(map(str, action.choices))}`"
            meaning = (action.help or "").replace("|", "/")
            if action.required:
                meaning = f"required: {meaning}".strip()
            if action.default not in (None, False, argparse.SUPPRESS) and "default" not in meaning:
                meaning += f" (default: {action.default})" if not str(action.default).startswith("/") else ""
            out.append(f"| {flags} | {meaning} |")
        out.append("")
    out.append("Every command also takes `--debug` (anywhere on the line): the traceback of a failure.")
    return "\n".join(out) + "\n"


def bench_figures() -> str:
    results = PROJECT_DIR / "bench" / "results.json"
    if not results.exists():
        return "(run `make bench` to record figures)\n"
    data = json.loads(results.read_text())
    lines = [f"Measured {data['date']} on {data['machine']} (`make bench`, medians):", ""]
    lines += [f"- {line}" for part in ("full", "against", "scaling") for line in data["parts"].get(part, [])]
    return "\n".join(lines) + "\n"


def refresh(text: str) -> str:
    text = _between(text, "cli-reference", cli_reference())
    text = _between(text, "bench", bench_figures())
    text = re.sub(r"\| tier \| guide's literal spec \| production \|\n\|---\|---:\|---:\|\n(?:\|.*\|\n)+",
                  lambda _: guide_table() + "\n", text)
    text = re.sub(r"\| lever \(production\) \| saves USD/month \| what it trades \|\n\|---\|---:\|---\|\n(?:\|.*\|\n)+",
                  lambda _: levers_table() + "\n", text)
    production = run_stack("production")
    text = re.sub(r"\| tier \| staging \| production \|\n\|---\|---:\|---:\|\n(?:\|.*\|\n)+",
                  lambda _: cost_table() + "\n", text)
    failover = recovery(DR_STACK)
    figures = "\n".join([*recovery_lines(failover), "", *summary_lines(failover.plan.timeline)])
    text = re.sub(r"(Failover of production-dr:\n\n```\n)(?:.*\n)*?(```)",
                  lambda m: m.group(1) + figures + "\n" + m.group(2), text, count=1)
    path = "\n".join(summary_lines(timeline(production)))
    text = re.sub(r"(Production:\n\n```\n)(?:.*\n)*?(```)", lambda m: m.group(1) + path + "\n" + m.group(2),
                  text, count=1)
    text = re.sub(r"(```mermaid\n)(?:.*\n)*?(```)", lambda m: m.group(1) + render_components(production) + m.group(2),
                  text, count=1)
    text = re.sub(r"`\+ \d+ to create` for production", f"`+ {summary(production)['create']} to create` for production",
                  text)
    return _between(text, "toc", table_of_contents(text))


if __name__ == "__main__":
    README.write_text(refresh(README.read_text()))
