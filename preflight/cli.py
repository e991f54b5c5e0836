"""`python -m preflight`: the offline preview of a stack (what `pulumi preview` would create).

Exit codes: 0 clean; 1 mandatory policy violations; 2 the program or its config failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from .analyzer import POLICY_DIR, AnalyzerError, PolicyRun, analyze, load_policy_config
from .changes import SECRET_MARKER, BaseError, jsonable
from .runner import (
    PROJECT_DIR,
    ProgramError,
    Registration,
    StackRun,
    UnknownStackError,
    project_name,
    run_stack,
)

EXIT_OK, EXIT_VIOLATIONS, EXIT_FAILED = 0, 1, 2


def _label(reg: Registration) -> str:
    kind = "[dim]component[/dim] " if not reg.custom else ""
    protect = " [yellow](protected)[/yellow]" if reg.protect else ""
    return f"[green]+[/green] {kind}[cyan]{reg.type}[/cyan] {reg.name}{protect}"


def resource_tree(run: StackRun) -> Tree:
    children: dict[str, list[Registration]] = defaultdict(list)
    known = {r.urn for r in run.resources}
    for reg in run.resources:
        children[reg.parent if reg.parent in known else ""].append(reg)
    root = Tree(f"[green]+[/green] [cyan]pulumi:pulumi:Stack[/cyan] elite-locadora-{run.stack}")

    def add(node: Tree, parent: str) -> None:
        for reg in children.get(parent, []):
            add(node.add(_label(reg)), reg.urn)

    add(root, "")
    return root


def summary(run: StackRun) -> dict[str, Any]:
    custom = sum(1 for r in run.resources if r.custom)
    return {"create": len(run.resources) + 1, "custom": custom,
            "components": len(run.resources) - custom, "protected": sum(r.protect for r in run.resources)}


def plan_inputs(reg: Registration) -> dict[str, Any]:
    """A resource's inputs as sent to the engine; a property holding a secret anywhere is masked."""
    return {key: SECRET_MARKER if key in reg.secret_inputs else jsonable(value) for key, value in reg.inputs.items()}


def _json_document(run: StackRun, policies: PolicyRun, program_seconds: float) -> dict[str, Any]:
    """The --json document; its schema is preflight/plan.schema.json."""
    return {
        "schemaVersion": 3,
        "stack": run.stack,
        "mode": "preview" if run.preview else "update",
        "summary": {**summary(run), "violations": len(policies.violations),
                    "mandatoryViolations": len(policies.mandatory)},
        "timings": {"programSeconds": round(program_seconds, 3), "policySeconds": round(policies.seconds, 3)},
        "policyPack": {"name": policies.pack, "version": policies.version, "policies": policies.policies},
        "resources": [
            {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent or None,
             "custom": r.custom, "protect": r.protect, "retainOnDelete": r.retain_on_delete,
             "aliases": r.aliases, "dependencies": r.dependencies,
             "secretInputs": sorted(r.secret_inputs), "region": r.region if r.custom else None,
             "inputs": plan_inputs(r)}
            for r in run.resources
        ],
        "violations": [{"policy": v.policy, "level": v.level, "severity": v.severity, "urn": v.urn or None,
                        "message": v.message} for v in policies.violations],
        "notes": run.notes,
        "warnings": run.warnings,
    }


def _print_violations(policies: PolicyRun, console: Console) -> None:
    if not policies.violations:
        console.print(f"\nPolicies: [green]{len(policies.policies)} policies of {policies.pack}@v{policies.version}"
                      f" passed[/green]")
        return
    table = Table(title=f"Policy violations ({policies.pack}@v{policies.version})", show_lines=False)
    for column in ("policy", "level", "resource", "message"):
        table.add_column(column, overflow="fold")
    by_policy: dict[str, list] = defaultdict(list)
    for violation in policies.violations:
        by_policy[violation.policy].append(violation)
    for name, found in sorted(by_policy.items()):
        for v in found:
            style = "red" if v.level == "mandatory" else "yellow"
            table.add_row(name, f"[{style}]{v.level}[/{style}]", v.urn.split("::")[-1] or "(stack)", v.message)
    console.print(table)


def _overrides(pairs: list[str] | None) -> dict[str, Any]:
    """--set key=value (value as JSON where it parses: numbers, booleans, lists)."""
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UnknownStackError(f"--set expects key=value, got {pair!r}")
        try:
            result[key] = json.loads(raw)
        except json.JSONDecodeError:
            result[key] = raw
    return result


def _print_changes(changing: list[Any], console: Console) -> None:
    marks = {"create": "[green]+[/green]", "update": "[yellow]~[/yellow]", "replace": "[magenta]+-[/magenta]",
             "delete": "[red]-[/red]"}
    for c in changing:
        if c.kind == "same":
            continue
        extra = ""
        if c.kind == "replace":
            extra = f" (forced by {', '.join(c.reasons)}{'; deleted first' if c.delete_before_replace else ''})"
        elif c.may_replace:
            extra = " (may replace: a replacing input is unknown until up)"
        if c.was:
            extra += f" (renamed from {c.was.split('::')[-1]} by an alias; the same cloud resource)"
        if c.kind in ("delete", "replace") and c.retain_on_delete:
            extra += " (retainOnDelete: the old one stays in the account)"
        console.print(f"{marks[c.kind]} {escape(c.type)} {escape(c.name)} {c.kind}{escape(extra)}")
        for p in c.properties:
            before = "secret" if p.status == "secret" else json.dumps(p.before)[:80]
            after = {"secret": "secret", "unknown": "(known after up)"}.get(p.status) or json.dumps(p.after)[:80]
            flag = " [magenta](forces replacement)[/magenta]" if p.replaces else ""
            console.print(f"      {escape(p.name)}: {escape(before)} => {escape(after)}{flag}")
        for effect in c.effects:
            console.print(f"      [yellow]effect:[/yellow] {escape(effect)}", soft_wrap=True)


def cmd_preview(args: argparse.Namespace, console: Console) -> int:
    from . import changes

    started = time.perf_counter()
    preview = args.mode == "preview"
    project_dir = Path(args.project_dir).resolve()
    pending = changes.start_against(args.against, args.stack, project_dir) if args.against else None
    base = None
    if pending is not None and Path(args.against).exists():  # a file is checked before the program runs
        base = changes.load_base(pending(), args.stack, project_name(project_dir))
    run = run_stack(args.stack, preview=preview, overrides=_overrides(args.set), settings_from=args.config_from,
                    project_dir=project_dir, prior=changes.prior_state(base) if base else None)
    if pending is not None and base is None:  # a git ref's program ran beside this one
        base = changes.load_base(pending(), args.stack, project_name(project_dir))
    program_seconds = time.perf_counter() - started
    config_path = Path(args.policy_config) if args.policy_config else \
        POLICY_DIR / "config" / f"{args.config_from or args.stack}.json"
    policy_config = load_policy_config(config_path)
    project = project_name(project_dir)
    console.print(f"Previewing stack [bold]{args.stack}[/bold] offline (mock engine, {args.mode} mode)")
    console.print(resource_tree(run))
    counts = summary(run)
    console.print(f"\nResources:\n    [green]+ {counts['create']} to create[/green] "
                  f"({counts['custom']} resources, {counts['components']} components, "
                  f"{counts['protected']} protected)")
    for note in run.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    for warning in run.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    planned: list[Any] = []
    stops: list[str] = []
    if base is not None:
        planned = changes.diff(run, base)
        console.print(f"\nChanges against {args.against}:")
        _print_changes(planned, console)
        console.print(changes.summary_line(planned))
        allowed = {**policy_config.get("stateful-resources-protected", {}).get("allowReplace", {}),
                   **{name: "on the command line (--allow-replace)" for name in args.allow_replace or []}}
        stops, acknowledged, guard_notes = changes.guard(planned, allowed)
        for line in acknowledged:
            console.print(f"[yellow]acknowledged:[/yellow] {escape(line)}", soft_wrap=True)
        for line in guard_notes:
            console.print(f"[yellow]note:[/yellow] {escape(line)}", soft_wrap=True)
        for line in changes.protected(planned):
            console.print(f"[yellow]protected:[/yellow] {escape(line)}", soft_wrap=True)
        for line in stops:
            console.print(f"[red]data guard:[/red] {escape(line)}", soft_wrap=True)
    with console.status("Running the policy pack…"):
        policies = analyze(run.resources, stack=args.stack, project=project, preview=preview,
                           policy_config=policy_config, config_source=str(config_path))
    _print_violations(policies, console)
    console.print(f"Program: {program_seconds:.2f}s  Policies: {policies.seconds:.2f}s")
    if args.json:
        document = _json_document(run, policies, program_seconds)
        if base is not None:
            by_urn = changes.as_json(planned)
            for resource in document["resources"]:
                if resource["urn"] in by_urn:
                    resource.update(by_urn[resource["urn"]])
            document["deleted"] = [c.urn for c in planned if c.kind == "delete"]
            document["dataGuard"] = stops
        Path(args.json).write_text(json.dumps(document, indent=2))
    if policies.mandatory:
        console.print(f"[red]{len(policies.mandatory)} mandatory policy violation(s)[/red]")
    if stops:
        console.print(f"[red]{len(stops)} stateful replacement(s) or deletion(s) not acknowledged[/red]")
    return EXIT_VIOLATIONS if policies.mandatory or stops else EXIT_OK


def cmd_compliance(args: argparse.Namespace, console: Console) -> int:
    from . import compliance

    # Resolved values (update mode): a policy passes over what a preview leaves unknown, and a
    # control must not count as passed on resources nobody could judge.
    run = run_stack(args.stack, preview=False, overrides=_overrides(args.set), settings_from=args.config_from)
    config_path = POLICY_DIR / "config" / f"{args.config_from or args.stack}.json"
    policies = analyze(run.resources, stack=args.stack, project=project_name(), preview=False,
                       policy_config=load_policy_config(config_path), config_source=str(config_path))
    results = compliance.evaluate(policies, run.resources)
    if args.json:
        Path(args.json).write_text(json.dumps(compliance.as_json(args.stack, results), indent=2))
    if args.format == "markdown":
        sys.stdout.write(compliance.markdown(args.stack, results))
    else:
        table = Table(title=f"AWS Foundational Security Best Practices: {args.stack} (offline)")
        for column in ("control", "severity", "status", "policies", "resources / reason"):
            table.add_column(column, overflow="fold")
        styles = {"failed": "red", "passed": "green", "waived": "yellow", "not applicable": "dim"}
        for r in results:
            detail = ", ".join(r.resources) if r.resources else r.reason
            table.add_row(r.control, r.severity, f"[{styles[r.status]}]{r.status}[/{styles[r.status]}]",
                          ", ".join(r.policies), detail)
        console.print(table)
        console.print(", ".join(f"{n} {s}" for s, n in compliance.counts(results).items()))
    return EXIT_VIOLATIONS if any(r.status == "failed" for r in results) else EXIT_OK


def cmd_graph(args: argparse.Namespace, console: Console) -> int:
    from .graph import render, render_components

    run = run_stack(args.stack, settings_from=args.config_from)
    text = render_components(run) if args.components_only else render(run, args.format)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_cost(args: argparse.Namespace, console: Console) -> int:
    from .estimates import prices, usage
    from .estimates.cost import estimate

    report = estimate(run_stack(args.stack, overrides=_overrides(args.set), settings_from=args.config_from))
    document = cost_document(args.stack, report)
    if args.json:
        Path(args.json).write_text(json.dumps(document, indent=2))
    if args.base:
        return _cost_delta(args, console, document)
    table = Table(title=f"Estimated monthly cost: {args.stack} (USD)")
    for column, justify in (("tier", "left"), ("resource", "left"), ("basis", "left"), ("USD / month", "right"),
                            ("1-yr commitment", "right")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for tier, subtotal in report.by_tier().items():
        # Same kind, same basis (alarms, keys, ...): one row with a count.
        grouped: dict[tuple[str, str], list] = defaultdict(list)
        for line in (x for x in report.lines if x.tier == tier):
            grouped[(line.type, line.basis)].append(line)
        rows = sorted(grouped.values(), key=lambda g: -sum(x.usd_month for x in g))
        for group in rows:
            usd = sum(x.usd_month for x in group)
            committed = sum(x.committed_usd_month or 0.0 for x in group)
            if usd >= 0.005:
                name = group[0].resource if len(group) == 1 else f"{len(group)} x {group[0].type.split(':')[-1]}"
                table.add_row(tier, name, group[0].basis, f"{usd:,.2f}", f"{committed:,.2f}")
        committed_subtotal = sum(x.committed_usd_month or 0.0 for x in report.lines if x.tier == tier)
        table.add_row(f"[bold]{tier}[/bold]", "", "[bold]subtotal[/bold]", f"[bold]{subtotal:,.2f}[/bold]",
                      f"{committed_subtotal:,.2f}")
    table.add_row("[bold]total[/bold]", "", "", f"[bold]{report.total:,.2f}[/bold]",
                  f"[bold]{report.committed_total:,.2f}[/bold]")
    console.print(table)
    price_date = prices("us-east-1")["nat_gateway_hour"]["date"]
    console.print(f"{len(report.lines)} priced items, {report.free} resources with no charge of their own; "
                  f"prices of {price_date} (preflight/estimates/prices-<region>.json), usage assumptions in "
                  f"preflight/estimates/usage.yaml ({usage()['hours_per_month']} h/month).")
    console.print("1-yr commitment: 1-year no-upfront RDS and ElastiCache reserved nodes, OpenSearch reserved "
                  "instances and a Compute Savings Plan for on-demand Fargate, at the discounts in the price files.")
    if report.unpriced:
        console.print("[yellow]not priced:[/yellow] " + ", ".join(f"{n} ({t})" for t, n in report.unpriced))
    return EXIT_OK


def cost_document(stack: str, report: Any) -> dict[str, Any]:
    """What `cost --json` writes (and `cost --base` reads)."""
    return {"stack": stack, "currency": "USD", "totalMonthly": round(report.total, 2),
            "committedMonthly": round(report.committed_total, 2),
            "byTier": {k: round(v, 2) for k, v in report.by_tier().items()},
            "lines": [line.__dict__ for line in report.lines],
            "unpriced": [{"type": t, "resource": n} for t, n in report.unpriced]}


def _cost_delta(args: argparse.Namespace, console: Console, head: dict[str, Any]) -> int:
    from .estimates.delta import delta, markdown

    try:
        base = json.loads(Path(args.base).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UnknownStackError(f"--base {args.base}: not a `cost --json` document ({exc})") from None
    result = delta(base, head)
    if args.format == "markdown":
        sys.stdout.write(markdown(args.stack, result))
        return EXIT_OK
    table = Table(title=f"Monthly cost change: {args.stack} (USD, base {args.base})")
    for column, justify in (("tier", "left"), ("resource", "left"), ("base", "right"), ("head", "right"),
                            ("change", "right")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in result["resources"]:
        table.add_row(row["tier"], row["resource"], f"{row['base']:,.2f}", f"{row['head']:,.2f}",
                      f"{row['delta']:+,.2f}")
    for row in result["tiers"]:
        table.add_row(f"[bold]{row['tier']}[/bold]", "", f"{row['base']:,.2f}", f"{row['head']:,.2f}",
                      f"[bold]{row['delta']:+,.2f}[/bold]")
    total = result["total"]
    table.add_row("[bold]total[/bold]", "", f"{total['base']:,.2f}", f"{total['head']:,.2f}",
                  f"[bold]{total['delta']:+,.2f}[/bold]")
    console.print(table)
    return EXIT_OK


def cmd_timeline(args: argparse.Namespace, console: Console) -> int:
    from .estimates.timeline import estimate, estimate_change, explain

    base = _overrides(args.set)
    run = run_stack(args.stack, overrides=base, settings_from=args.config_from)
    if args.change:
        changed = run_stack(args.stack, overrides={**base, **_overrides(args.change)}, settings_from=args.config_from)
        plan = estimate_change(run, changed)
        timeline = plan.timeline
        title = f"`pulumi up` of {args.stack} applying {', '.join(args.change)}: critical path"
        console.print(f"{len(plan.created)} to create, {len(plan.updated)} to update, {len(plan.replaced)} to replace, "
                      f"{len(plan.deleted)} to delete")
        for label, names in (("create", plan.created), ("update", plan.updated), ("replace", plan.replaced),
                             ("delete", plan.deleted)):
            if names:
                console.print(f"  {label}: {escape(', '.join(names))}", soft_wrap=True)
    else:
        timeline = estimate(run)
        title = f"First `pulumi up` of {args.stack}: critical path"
    table = Table(title=title)
    for column in ("starts at", "resource", "type", "takes", "why that long"):
        table.add_column(column, overflow="fold")
    elapsed = 0.0
    for step in timeline.critical_path:
        marker = " [yellow](depends_on)[/yellow]" if step.via_depends_on else ""
        table.add_row(f"{elapsed / 60:5.1f} min", step.name + marker, step.type.split(":")[-1],
                      f"{step.seconds / 60:.1f} min", step.source)
        elapsed += step.seconds
    console.print(table)
    console.print(f"critical path {timeline.critical_seconds / 60:.1f} min; serial sum "
                  f"{timeline.serial_seconds / 60:.1f} min over {timeline.resources} resources")
    for finding in explain(timeline.critical_path):
        console.print(f"[yellow]possible false dependency:[/yellow] {finding}")
    if args.change and _overrides(args.change).get("drMode") == "active" and not base:
        # A DR stack's failover: the rest of the recovery figures beside the `up` (README).
        from .estimates.recovery import recovery, recovery_lines

        console.print("\n".join(recovery_lines(recovery(args.stack, run))), highlight=False)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m preflight", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    sub = parser.add_subparsers(dest="command", required=True)
    preview = sub.add_parser("preview", help="run the program offline and print its plan")
    preview.add_argument("--stack", required=True)
    preview.add_argument("--json", metavar="FILE", help="also write plan and violations as JSON "
                                                         "(schema: preflight/plan.schema.json)")
    preview.add_argument("--policy-config", metavar="FILE",
                         help="policy pack config (default: policies/config/<stack>.json)")
    preview.add_argument("--against", metavar="BASE",
                         help="compare with prior state: a plan from `preview --json` (schema 2 or later), a "
                              "`pulumi stack export` (version 3), or a git ref (its program, run offline); per "
                              "resource create/update/replace/delete")
    preview.add_argument("--allow-replace", action="append", metavar="NAME",
                         help="acknowledge the replacement or deletion of this stateful resource (logical name)")
    preview.add_argument("--mode", choices=("preview", "update"), default="preview",
                         help="preview leaves provider-computed values unknown, as "
                              "`pulumi preview` does; update resolves them")
    preview.add_argument("--set", action="append", metavar="KEY=VALUE",
                         help="override a stack config key for this run (e.g. dbBackupRetentionDays=1)")
    preview.add_argument("--project-dir", default=str(PROJECT_DIR), metavar="DIR",
                         help="the Pulumi project to run (default: this program; e.g. bootstrap)")
    preview.set_defaults(func=cmd_preview)
    graph = sub.add_parser("graph", help="draw the stack's components, resources and dependencies")
    graph.add_argument("--stack", required=True)
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    graph.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    graph.add_argument("--components-only", action="store_true",
                       help="one node per tier and the dependencies between tiers (mermaid)")
    graph.set_defaults(func=cmd_graph)
    cost = sub.add_parser("cost", help="estimated monthly cost per tier, from the registered resources")
    cost.add_argument("--stack", required=True)
    cost.add_argument("--json", metavar="FILE")
    cost.add_argument("--set", action="append", metavar="KEY=VALUE", help="try a config change")
    cost.add_argument("--base", metavar="BASE.json", help="an earlier `cost --json`: print the change per resource, "
                                                          "per tier and in total")
    cost.add_argument("--format", choices=("table", "markdown"), default="table",
                      help="with --base: markdown for a CI job summary")
    cost.set_defaults(func=cmd_cost)
    timeline = sub.add_parser("timeline", help="estimated wall time of a first pulumi up: the critical path")
    timeline.add_argument("--stack", required=True)
    timeline.add_argument("--set", action="append", metavar="KEY=VALUE", help="try a config change")
    timeline.add_argument("--change", action="append", metavar="KEY=VALUE",
                          help="time applying this change to the deployed stack instead of a first deploy")
    timeline.set_defaults(func=cmd_timeline)
    compliance = sub.add_parser("compliance", help="per FSBP control: passed, failed, not applicable or waived")
    compliance.add_argument("--stack", required=True)
    compliance.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    compliance.add_argument("--format", choices=("table", "markdown"), default="table")
    compliance.add_argument("--set", action="append", metavar="KEY=VALUE", help="try a config change")
    compliance.set_defaults(func=cmd_compliance)
    for command in (preview, graph, cost, timeline, compliance):
        command.add_argument("--config-from", metavar="STACK",
                             help="use Pulumi.<STACK>.yaml (and its policy config) for a stack that has no file "
                                  "yet, e.g. --stack qa-environment-a --config-from staging")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    errors = Console(stderr=True, highlight=False)
    try:
        return int(args.func(args, console))
    except (UnknownStackError, ProgramError, AnalyzerError, BaseError) as exc:
        if args.debug:
            errors.print_exception()
        # One line per finding, unwrapped, so logs and job summaries keep them whole.
        errors.print(f"[red]error:[/red] {exc}", markup=True, soft_wrap=True)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
