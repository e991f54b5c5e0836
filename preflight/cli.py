"""`python -m preflight`: the offline preview of a stack (what `pulumi preview` would create).

Exit codes: 0 clean (advisory findings allowed); 1 mandatory findings (policy violations, the
data guard); 2 the input, the program or the pack failed — one line naming the file, key or flag
and what is accepted (`--debug`, anywhere on the line, adds the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from elite_policies.frameworks import FrameworkError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from .engine.analyzer import POLICY_DIR, AnalyzerError, PolicyRun, PolicySession, load_policy_config
from .engine.runner import (
    PROJECT_DIR,
    REFERENCE_KEYS,
    ProgramError,
    Registration,
    StackRun,
    UnknownStackError,
    project_name,
    run_stack,
)
from .plan.adopt import AdoptError
from .plan.changes import SECRET_MARKER, BaseError, jsonable
from .plan.terraform import StateError

EXIT_OK, EXIT_VIOLATIONS, EXIT_FAILED = 0, 1, 2
BASELINE_DIR = PROJECT_DIR / "baseline"
# Progress and errors go to standard error, so standard output stays the report (and pipes cleanly).
STDERR = Console(stderr=True, highlight=False)


class InputError(ValueError):
    """A command-line input the command cannot use: names the flag and what is accepted."""


def progress(message: str) -> None:
    STDERR.print(Text(f"» {message}", style="dim"), soft_wrap=True)


def _plain(text: Any) -> Text:
    """Untrusted text (findings, names, config values) as a cell or line, never as markup."""
    return Text(str(text))


def _label(reg: Registration) -> str:
    kind = "[dim]component[/dim] " if not reg.custom else ""
    protect = " [yellow](protected)[/yellow]" if reg.protect else ""
    return f"[green]+[/green] {kind}[cyan]{escape(reg.type)}[/cyan] {escape(reg.name)}{protect}"


def resource_tree(run: StackRun) -> Tree:
    children: dict[str, list[Registration]] = defaultdict(list)
    known = {r.urn for r in run.resources}
    for reg in run.resources:
        children[reg.parent if reg.parent in known else ""].append(reg)
    root = Tree(f"[green]+[/green] [cyan]pulumi:pulumi:Stack[/cyan] elite-locadora-{escape(run.stack)}")

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
            table.add_row(_plain(name), Text(v.level, style=style), _plain(v.urn.split("::")[-1] or "(stack)"),
                          _plain(v.message))
    console.print(table)


def _overrides(pairs: list[str] | None, flag: str = "--set") -> dict[str, Any]:
    """--set key=value (value as JSON where it parses: numbers, booleans, lists)."""
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InputError(f"{flag} expects KEY=VALUE (e.g. {flag} dbInstanceClass=db.r6g.2xlarge), got {pair!r}")
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


def _policy_config_path(args: argparse.Namespace) -> Path:
    given = getattr(args, "policy_config", None)
    return Path(given) if given else POLICY_DIR / "config" / f"{args.config_from or args.stack}.json"


def _project_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "project_dir", None) or PROJECT_DIR).resolve()


def _run_program(args: argparse.Namespace, *, preview: bool, project_dir: Path | None = None,
                 overrides: dict[str, Any] | None = None, **kwargs: Any) -> StackRun:
    """The program under the mock engine, with a phase line before and after."""
    from .engine.runner import load_cli_config

    project_dir = project_dir or _project_dir(args)
    values, _, _ = load_cli_config(args.stack, overrides, project_dir, settings_from=args.config_from)
    project = project_name(project_dir)
    for key in REFERENCE_KEYS:
        if values.get(f"{project}:{key}"):
            progress(f"stack {values[f'{project}:{key}']} runs first: {args.stack} reads its outputs ({key})")
    progress(f"running the program of {args.stack} (mock engine, {'preview' if preview else 'update'} mode)")
    started = time.perf_counter()
    run = run_stack(args.stack, preview=preview, overrides=overrides, settings_from=args.config_from,
                    project_dir=project_dir, **kwargs)
    progress(f"program: {len(run.resources)} resources in {time.perf_counter() - started:.1f}s")
    return run


def _open_policies(args: argparse.Namespace, *, preview: bool, project: str,
                   policy_config: dict[str, Any] | None = None) -> PolicySession:
    """The pack, configured with the stack's policy config, before the program runs."""
    path = _policy_config_path(args)
    shown = path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path
    progress(f"starting the policy pack with {shown}")
    return PolicySession(stack=args.stack, project=project, preview=preview,
                         policy_config=load_policy_config(path) if policy_config is None else policy_config,
                         config_source=str(path))


def _judge(session: PolicySession, run: StackRun) -> PolicyRun:
    progress(f"policies: judging {len(run.resources)} resources with {len(session.run.policies)} policies")
    policies = session.analyze(run.resources)
    progress(f"policies: {len(policies.violations)} finding(s) in {policies.seconds:.1f}s")
    return policies


def cmd_preview(args: argparse.Namespace, console: Console) -> int:
    from .plan import changes

    started = time.perf_counter()
    preview = args.mode == "preview"
    project_dir = _project_dir(args)
    project = project_name(project_dir)
    overrides = _overrides(args.set)
    pending = changes.start_against(args.against, args.stack, project_dir) if args.against else None
    base = None
    if pending is not None and Path(args.against).exists():  # a file is checked before the program runs
        base = changes.load_base(pending(), args.stack, project)
    elif pending is not None:
        progress(f"running the program at {args.against} for {args.stack} beside this one (the base)")
    policy_config = load_policy_config(_policy_config_path(args))
    with _open_policies(args, preview=preview, project=project, policy_config=policy_config) as session:
        run = _run_program(args, preview=preview, project_dir=project_dir, overrides=overrides,
                           prior=changes.prior_state(base) if base else None)
        if pending is not None and base is None:  # a git ref's program ran beside this one
            base = changes.load_base(pending(), args.stack, project)
        program_seconds = time.perf_counter() - started
        console.print(f"Previewing stack [bold]{escape(args.stack)}[/bold] offline (mock engine, {args.mode} mode)")
        console.print(resource_tree(run))
        counts = summary(run)
        console.print(f"\nResources:\n    [green]+ {counts['create']} to create[/green] "
                      f"({counts['custom']} resources, {counts['components']} components, "
                      f"{counts['protected']} protected)")
        for note in run.notes:
            console.print(f"[yellow]note:[/yellow] {escape(note)}")
        for warning in run.warnings:
            console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
        planned: list[Any] = []
        stops: list[str] = []
        if base is not None:
            planned = changes.diff(run, base)
            console.print(f"\nChanges against {escape(args.against)}:")
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
        policies = _judge(session, run)
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
    code = EXIT_VIOLATIONS if policies.mandatory or stops else EXIT_OK
    advisory = len(policies.violations) - len(policies.mandatory)
    console.print(f"Result: {len(policies.mandatory) + len(stops)} mandatory, {advisory} advisory finding(s) "
                  f"— exit {code}")
    return code


def cmd_compliance(args: argparse.Namespace, console: Console) -> int:
    from elite_policies.frameworks import KEYS, load

    from .reports import compliance

    frameworks = [load(key) for key in dict.fromkeys(args.framework or KEYS)]
    waivers = compliance.load_waivers(Path(args.waivers), frameworks) if args.waivers else {}
    project_dir = _project_dir(args)
    # A platform stack's account controls are judged on the baseline stack of its account.
    platform = project_dir == PROJECT_DIR
    baseline_stack = (args.baseline_stack or compliance.baseline_of(args.stack, BASELINE_DIR)
                      or (compliance.baseline_of(args.config_from, BASELINE_DIR) if args.config_from else None)) \
        if platform else None
    # Resolved values (update mode): a policy passes over what a preview leaves unknown, and a
    # control must not count as passed on resources nobody could judge.
    overrides = _overrides(args.set)
    with _open_policies(args, preview=False, project=project_name(project_dir)) as session:
        run = _run_program(args, preview=False, overrides=overrides)
        own = compliance.Judged(args.stack, _judge(session, run), run.resources)
    baseline = None
    if baseline_stack:
        progress(f"account controls: judged on the account baseline stack {baseline_stack}")
        on_account = argparse.Namespace(stack=baseline_stack, config_from=None, policy_config=None,
                                        project_dir=str(BASELINE_DIR))
        with _open_policies(on_account, preview=False, project=project_name(BASELINE_DIR)) as session:
            baseline_run = _run_program(on_account, preview=False)
            baseline = compliance.Judged(baseline_stack, _judge(session, baseline_run), baseline_run.resources)
    reports = [(f, compliance.evaluate(f, own, baseline, waivers, expects_baseline=platform)) for f in frameworks]
    if args.json:
        Path(args.json).write_text(json.dumps(compliance.as_json(args.stack, baseline_stack, reports), indent=2))
    if args.format == "markdown":
        sys.stdout.write(compliance.markdown(args.stack, reports))
    else:
        styles = {"failed": "red", "passed": "green", "account baseline": "green", "waived": "yellow",
                  "not applicable": "dim", "outside infrastructure": "dim"}
        for framework, results in reports:
            table = Table(title=f"{escape(framework.title)}: {escape(args.stack)} (offline)")
            for column in ("control", "severity", "status", "policies", "resources / reason"):
                table.add_column(column, overflow="fold")
            for r in results:
                detail = ", ".join(r.resources) if r.resources and r.status == "failed" else r.reason
                table.add_row(_plain(r.control), _plain(r.severity or "-"), Text(r.status, style=styles[r.status]),
                              _plain(", ".join(r.policies)), _plain(detail))
            console.print(table)
            console.print(f"{framework.title}: " + ", ".join(
                f"{n} {s}" for s, n in compliance.counts(results).items() if n))
    failed = any(r.status == "failed" for _, results in reports for r in results)
    return EXIT_VIOLATIONS if failed else EXIT_OK


def cmd_graph(args: argparse.Namespace, console: Console) -> int:
    from .reports.graph import render, render_components

    run = _run_program(args, preview=False)
    text = render_components(run) if args.components_only else render(run, args.format)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_cost(args: argparse.Namespace, console: Console) -> int:
    from elite_policies.pricing import prices, usage
    from elite_policies.pricing.cost import estimate

    overrides = _overrides(args.set)
    base = _cost_base(args.base) if args.base else None
    report = estimate(_run_program(args, preview=False, overrides=overrides))
    progress(f"pricing: {len(report.lines)} priced items, {len(report.unpriced)} unpriced")
    document = cost_document(args.stack, report)
    if args.json:
        Path(args.json).write_text(json.dumps(document, indent=2))
    if base is not None:
        return _cost_delta(args, console, base, document)
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
                table.add_row(_plain(tier), _plain(name), _plain(group[0].basis), f"{usd:,.2f}", f"{committed:,.2f}")
        committed_subtotal = sum(x.committed_usd_month or 0.0 for x in report.lines if x.tier == tier)
        table.add_row(Text(tier, style="bold"), "", "[bold]subtotal[/bold]", f"[bold]{subtotal:,.2f}[/bold]",
                      f"{committed_subtotal:,.2f}")
    table.add_row("[bold]total[/bold]", "", "", f"[bold]{report.total:,.2f}[/bold]",
                  f"[bold]{report.committed_total:,.2f}[/bold]")
    console.print(table)
    price_date = prices("us-east-1")["nat_gateway_hour"]["date"]
    console.print(f"{len(report.lines)} priced items, {report.free} resources with no charge of their own; "
                  f"prices of {price_date} (policies/elite_policies/pricing/prices-<region>.json), usage "
                  f"assumptions in policies/elite_policies/pricing/usage.yaml ({usage()['hours_per_month']} h/month).")
    console.print("1-yr commitment: 1-year no-upfront RDS and ElastiCache reserved nodes, OpenSearch reserved "
                  "instances and a Compute Savings Plan for on-demand Fargate, at the discounts in the price files.")
    if report.unpriced:
        console.print("[yellow]not priced:[/yellow] " + escape(", ".join(f"{n} ({t})" for t, n in report.unpriced)))
    return EXIT_OK


def cost_document(stack: str, report: Any) -> dict[str, Any]:
    """What `cost --json` writes (and `cost --base` reads)."""
    return {"stack": stack, "currency": "USD", "totalMonthly": round(report.total, 2),
            "committedMonthly": round(report.committed_total, 2),
            "byTier": {k: round(v, 2) for k, v in report.by_tier().items()},
            "lines": [line.__dict__ for line in report.lines],
            "unpriced": [{"type": t, "resource": n} for t, n in report.unpriced]}


def _cost_base(path: str) -> dict[str, Any]:
    """An earlier `cost --json`, checked before the program runs."""
    try:
        base = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"--base {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"--base {path}: not JSON ({exc.msg}); expected a `cost --json` document") from None
    if not isinstance(base, dict) or not {"stack", "totalMonthly", "lines", "byTier"} <= set(base):
        raise InputError(f"--base {path}: not a `cost --json` document (it needs stack, totalMonthly, byTier and "
                         "lines; a preview plan is not one)")
    return base


def _cost_delta(args: argparse.Namespace, console: Console, base: dict[str, Any], head: dict[str, Any]) -> int:
    from .reports.estimates.delta import delta, markdown

    result = delta(base, head)
    if args.format == "markdown":
        sys.stdout.write(markdown(args.stack, result))
        return EXIT_OK
    table = Table(title=f"Monthly cost change: {escape(args.stack)} (USD, base {escape(args.base)})")
    for column, justify in (("tier", "left"), ("resource", "left"), ("base", "right"), ("head", "right"),
                            ("change", "right")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in result["resources"]:
        table.add_row(_plain(row["tier"]), _plain(row["resource"]), f"{row['base']:,.2f}", f"{row['head']:,.2f}",
                      f"{row['delta']:+,.2f}")
    for row in result["tiers"]:
        table.add_row(Text(row["tier"], style="bold"), "", f"{row['base']:,.2f}", f"{row['head']:,.2f}",
                      f"[bold]{row['delta']:+,.2f}[/bold]")
    total = result["total"]
    table.add_row("[bold]total[/bold]", "", f"{total['base']:,.2f}", f"{total['head']:,.2f}",
                  f"[bold]{total['delta']:+,.2f}[/bold]")
    console.print(table)
    return EXIT_OK


def cmd_timeline(args: argparse.Namespace, console: Console) -> int:
    from .reports.estimates.timeline import estimate, estimate_change, explain

    base = _overrides(args.set)
    change = _overrides(args.change, "--change")
    run = _run_program(args, preview=False, overrides=base)
    if args.change:
        changed = _run_program(args, preview=False, overrides={**base, **change})
        plan = estimate_change(run, changed)
        timeline = plan.timeline
        title = escape(f"`pulumi up` of {args.stack} applying {', '.join(args.change)}: critical path")
        console.print(f"{len(plan.created)} to create, {len(plan.updated)} to update, {len(plan.replaced)} to replace, "
                      f"{len(plan.deleted)} to delete")
        for label, names in (("create", plan.created), ("update", plan.updated), ("replace", plan.replaced),
                             ("delete", plan.deleted)):
            if names:
                console.print(f"  {label}: {escape(', '.join(names))}", soft_wrap=True)
    else:
        timeline = estimate(run)
        title = f"First `pulumi up` of {escape(args.stack)}: critical path"
    table = Table(title=title)
    for column in ("starts at", "resource", "type", "takes", "why that long"):
        table.add_column(column, overflow="fold")
    elapsed = 0.0
    for step in timeline.critical_path:
        marker = " [yellow](depends_on)[/yellow]" if step.via_depends_on else ""
        table.add_row(f"{elapsed / 60:5.1f} min", escape(step.name) + marker, _plain(step.type.split(":")[-1]),
                      f"{step.seconds / 60:.1f} min", _plain(step.source))
        elapsed += step.seconds
    console.print(table)
    console.print(f"critical path {timeline.critical_seconds / 60:.1f} min; serial sum "
                  f"{timeline.serial_seconds / 60:.1f} min over {timeline.resources} resources")
    for finding in explain(timeline.critical_path):
        console.print(f"[yellow]possible false dependency:[/yellow] {escape(finding)}")
    if args.change and change.get("drMode") == "active" and not base:
        # A DR stack's failover: the rest of the recovery figures beside the `up` (README).
        from .reports.estimates.recovery import recovery, recovery_lines

        console.print("\n".join(recovery_lines(recovery(args.stack, run))), highlight=False)
    return EXIT_OK


def cmd_adopt(args: argparse.Namespace, console: Console) -> int:
    from .plan import adopt, changes
    from .plan.terraform import load_state

    project = project_name()
    instances = load_state(Path(args.tfstate))  # a bad state stops here, before the program runs
    policy_config = load_policy_config(_policy_config_path(args))
    answers = adopt.lookups(instances)
    overrides = _overrides(args.set)
    run = _run_program(args, preview=False, overrides=overrides, lookups=answers)
    progress(f"mapping {len(instances)} Terraform resource instances onto {len(run.resources)} registrations")
    from .engine.runner import load_cli_config

    region = load_cli_config(args.stack, overrides, settings_from=args.config_from)[0].get("aws:region", "us-east-1")
    mapping = adopt.map_state(run, instances, region, adopt.region_owners(args.stack))
    allowed = {**policy_config.get("stateful-resources-protected", {}).get("allowReplace", {}),
               **{name: "on the command line (--allow-replace)" for name in args.allow_replace or []}}

    def after(prior: dict[str, Any]) -> StackRun:
        return _run_program(args, preview=True, overrides=overrides, prior=prior, lookups=answers)

    result = adopt.plan_adoption(mapping, run, after, allowed)
    from importlib.metadata import version

    document = adopt.import_file(run, mapping, version("pulumi_aws"))  # the import's plugin: this SDK's
    table = Table(title=f"Terraform -> {escape(args.stack)}: {len(mapping.matches)} resources adopted")
    for column in ("Terraform address", "program resource", "matched by", "import id"):
        table.add_column(column, overflow="fold")
    for m in mapping.matches:
        table.add_row(_plain(m.instance.address), _plain(m.registration.name), m.how,
                      _plain(adopt.import_id(m.registration.type, m.instance)))
    console.print(table)
    from .plan.terraform import older_schemas

    for line in older_schemas(instances):
        console.print(f"[yellow]note:[/yellow] {escape(line)}", soft_wrap=True)
    for owner in sorted(set(mapping.elsewhere.values())):
        addresses = sorted(a for a, o in mapping.elsewhere.items() if o == owner)
        shown = ", ".join(addresses[:4]) + (f" and {len(addresses) - 4} more" if len(addresses) > 4 else "")
        console.print(f"[cyan]other stack:[/cyan] {len(addresses)} resource(s) in the region stack {escape(owner)} "
                      f"owns "
                      f"({escape(shown)}): adopt them with --stack {escape(owner)}", soft_wrap=True)
    console.print("\nNot managed by this program (decision, why):")
    for instance in [*mapping.unmatched, *mapping.unknown_types]:
        d = adopt.decision(instance)
        console.print(f"  {escape(instance.address)}: [bold]{escape(d.what)}[/bold] — {escape(d.why)}", soft_wrap=True)
    console.print(f"\nThe first `pulumi up` after the import ({changes.summary_line(result.plan)}):")
    _print_changes([c for c in result.plan if c.kind != "create"], console)
    created = [c.name for c in result.plan if c.kind == "create"]
    console.print(f"[green]+[/green] {len(created)} resources the deployment lacks are created: "
                  f"{escape(', '.join(created[:12]))}{', …' if len(created) > 12 else ''}", soft_wrap=True)
    for line in result.statements:
        console.print(f"[yellow]bucket policy:[/yellow] {escape(line)}", soft_wrap=True)
    for line in result.warnings:
        console.print(f"[red]refused by AWS as planned:[/red] {escape(line)}", soft_wrap=True)
    for name, ways in result.ways_out.items():
        for way in ways:
            console.print(f"[yellow]way out for {escape(name)}:[/yellow] {escape(way)}", soft_wrap=True)
    for line in result.acknowledged:
        console.print(f"[yellow]acknowledged:[/yellow] {escape(line)}", soft_wrap=True)
    for line in result.findings:
        console.print(f"[red]data guard:[/red] {escape(line)}", soft_wrap=True)
    console.print(f"\nExpected downtime of the cut-over: {escape(result.downtime)}")
    console.print("Cut-over, in order (docs/runbooks.md, \"Adopting the Terraform deployment\"):")
    for number, step in enumerate(adopt.CUT_OVER, 1):
        text = step.format(stack=args.stack, import_file=args.import_file, downtime=result.downtime)
        console.print(f"  {number}. {escape(text)}", soft_wrap=True)
    console.print("  terraform state rm " + " ".join(f"'{m.instance.address}'" for m in mapping.matches),
                  soft_wrap=True, markup=False)
    Path(args.import_file).write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"wrote {escape(args.import_file)} ({len(document['resources'])} entries) for "
                  f"`pulumi import --file {escape(args.import_file)} --stack {escape(args.stack)}`")
    if args.export:
        Path(args.export).write_text(json.dumps(adopt.as_export(args.stack, project, result.base), indent=2))
        console.print(f"wrote {escape(args.export)}: the adopted state as a stack export (preview --against reads it)")
    code = EXIT_VIOLATIONS if result.findings or result.warnings else EXIT_OK
    console.print(f"Result: {len(result.findings) + len(result.warnings)} mandatory, 0 advisory finding(s) — "
                  f"exit {code}")
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m preflight", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure (anywhere on the line)")
    sub = parser.add_subparsers(dest="command", required=True)
    preview = sub.add_parser("preview", help="run the program offline and print its plan")
    preview.add_argument("--stack", required=True, metavar="STACK", help="the stack: Pulumi.<STACK>.yaml")
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
    preview.set_defaults(func=cmd_preview)
    graph = sub.add_parser("graph", help="draw the stack's components, resources and dependencies")
    graph.add_argument("--stack", required=True, metavar="STACK", help="the stack: Pulumi.<STACK>.yaml")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid",
                       help="mermaid (renders on GitHub) or Graphviz dot")
    graph.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    graph.add_argument("--components-only", action="store_true",
                       help="one node per tier and the dependencies between tiers (mermaid)")
    graph.set_defaults(func=cmd_graph)
    cost = sub.add_parser("cost", help="estimated monthly cost per tier, from the registered resources")
    cost.add_argument("--stack", required=True, metavar="STACK", help="the stack: Pulumi.<STACK>.yaml")
    cost.add_argument("--json", metavar="FILE", help="also write the estimate as JSON (what --base reads)")
    cost.add_argument("--set", action="append", metavar="KEY=VALUE", help="try a config change")
    cost.add_argument("--base", metavar="FILE", help="an earlier `cost --json`: print the change per resource, "
                                                          "per tier and in total")
    cost.add_argument("--format", choices=("table", "markdown"), default="table",
                      help="with --base: markdown for a CI job summary")
    cost.set_defaults(func=cmd_cost)
    timeline = sub.add_parser("timeline", help="estimated wall time of a first pulumi up: the critical path")
    timeline.add_argument("--stack", required=True, metavar="STACK", help="the stack: Pulumi.<STACK>.yaml")
    timeline.add_argument("--set", action="append", metavar="KEY=VALUE", help="try a config change")
    timeline.add_argument("--change", action="append", metavar="KEY=VALUE",
                          help="time applying this change to the deployed stack instead of a first deploy")
    timeline.set_defaults(func=cmd_timeline)
    compliance = sub.add_parser("compliance", help="per control of FSBP, CIS AWS Foundations v3.0.0 and PCI DSS "
                                                   "v4.0.1: passed, failed, account baseline, waived, not "
                                                   "applicable or outside infrastructure")
    compliance.add_argument("--stack", required=True, metavar="STACK", help="the stack: Pulumi.<STACK>.yaml")
    compliance.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    compliance.add_argument("--format", choices=("table", "markdown"), default="table",
                            help="markdown for a CI job summary")
    compliance.add_argument("--set", action="append", metavar="KEY=VALUE", help="try a config change")
    compliance.add_argument("--framework", action="append", choices=("fsbp", "cis-aws-3.0", "pci-dss-4.0.1"),
                            help="the framework(s) to report (repeat for several; default all three)")
    compliance.add_argument("--waivers", metavar="FILE",
                            help="YAML of framework:control -> {why, compensates}: stack-specific waivers")
    compliance.add_argument("--baseline-stack", metavar="STACK",
                            help="the account baseline stack judging the account's controls (default: the one whose "
                                 "platformStacks lists --stack)")
    compliance.set_defaults(func=cmd_compliance)
    adopt = sub.add_parser("adopt", help="map a Terraform state onto this program: the import file and the first "
                                         "up after it")
    adopt.add_argument("--stack", required=True, metavar="STACK", help="the stack that takes the resources over")
    adopt.add_argument("--tfstate", required=True, metavar="FILE",
                       help="the deployment's state (`terraform state pull > terraform.tfstate`), format version 4")
    adopt.add_argument("--import-file", default="import.json", metavar="FILE",
                       help="where to write the `pulumi import --file` input (default import.json)")
    adopt.add_argument("--export", metavar="FILE", help="also write the adopted state as a stack export")
    adopt.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="try a config value a way out names (e.g. adoptedAssetsBucket=elite-locadora-assets)")
    adopt.add_argument("--allow-replace", action="append", metavar="NAME",
                       help="acknowledge the replacement of this stateful resource (logical name)")
    adopt.add_argument("--policy-config", metavar="FILE",
                       help="policy pack config with allowReplace (default: policies/config/<stack>.json)")
    adopt.set_defaults(func=cmd_adopt)
    for command in (preview, graph, cost, timeline, compliance):
        command.add_argument("--project-dir", default=str(PROJECT_DIR), metavar="DIR",
                             help="the Pulumi project to run (default: this program; bootstrap, baseline)")
    for command in (preview, graph, cost, timeline, compliance, adopt):
        command.add_argument("--config-from", metavar="STACK",
                             help="use Pulumi.<STACK>.yaml (and its policy config) for a stack that has no file "
                                  "yet, e.g. --stack qa-environment-a --config-from staging")
    return parser


def check_inputs(args: argparse.Namespace) -> None:
    """Everything the command line names, checked before any program runs: the project, the
    stack's name and file, the paths written, the syntax of --set/--change, flag combinations."""
    import os

    import yaml

    from components.naming import stack_name_problem

    from .engine.runner import available_stacks

    project_dir = Path(getattr(args, "project_dir", PROJECT_DIR))
    if not (project_dir / "Pulumi.yaml").is_file():
        raise InputError(f"--project-dir {project_dir}: no Pulumi.yaml there (this program, bootstrap or baseline)")
    problem = stack_name_problem(args.stack)
    if problem:
        raise InputError(f"--stack {args.stack!r}: {problem}")
    stacks = available_stacks(project_dir)
    if args.config_from:
        if args.stack in stacks:
            raise InputError(f"--config-from {args.config_from}: stack {args.stack!r} has its own Pulumi."
                             f"{args.stack}.yaml (and policy config); --config-from is for a stack without one")
        if args.config_from not in stacks:
            raise InputError(f"--config-from {args.config_from!r}: no such stack; available: {', '.join(stacks)}")
    elif args.stack not in stacks:
        raise InputError(f"--stack {args.stack!r}: no Pulumi.{args.stack}.yaml in {project_dir}; available stacks: "
                         f"{', '.join(stacks)} (or --config-from STACK to try a new one)")
    for path in (project_dir / "Pulumi.yaml", project_dir / f"Pulumi.{args.config_from or args.stack}.yaml"):
        try:
            yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise InputError(f"{path.name}:{where}: malformed YAML ({getattr(exc, 'problem', None) or exc})") from None
    for flag in ("json", "output", "import_file", "export"):
        target = getattr(args, flag, None)
        if target:
            path = Path(target)
            parent = path.parent if str(path.parent) else Path(".")
            if path.is_dir() or not parent.is_dir() or not os.access(parent, os.W_OK) \
                    or (path.exists() and not os.access(path, os.W_OK)):
                raise InputError(f"--{flag.replace('_', '-')} {target}: cannot write there (a writable file path is "
                                 "expected)")
    _overrides(getattr(args, "set", None))
    _overrides(getattr(args, "change", None), "--change")
    if args.command == "adopt" and not Path(args.tfstate).is_file():
        raise InputError(f"--tfstate {args.tfstate}: no such file (`terraform state pull > terraform.tfstate` "
                         "writes one)")
    if args.command == "compliance":
        _check_compliance_inputs(args)
    if getattr(args, "policy_config", None) and not Path(args.policy_config).is_file():
        raise InputError(f"--policy-config {args.policy_config}: no such file (a JSON object of policy names)")
    if args.command == "graph" and args.components_only and args.format != "mermaid":
        raise InputError("--components-only draws mermaid only: drop --format dot, or --components-only for the "
                         "full graph in dot")
    if args.command == "cost" and args.format == "markdown" and not args.base:
        raise InputError("--format markdown is the cost change for a job summary: it needs --base FILE "
                         "(an earlier `cost --json`)")


def _check_compliance_inputs(args: argparse.Namespace) -> None:
    from elite_policies.frameworks import KEYS, FrameworkError, load

    from .engine.runner import available_stacks
    from .reports import compliance

    if args.waivers:
        if not Path(args.waivers).is_file():
            raise InputError(f"--waivers {args.waivers}: no such file (YAML of framework:control -> "
                             "{why, compensates})")
        try:
            compliance.load_waivers(Path(args.waivers), [load(k) for k in args.framework or KEYS])
        except FrameworkError as exc:
            raise InputError(str(exc)) from None
    if args.baseline_stack:
        if Path(getattr(args, "project_dir", PROJECT_DIR)).resolve() != PROJECT_DIR:
            raise InputError("--baseline-stack is for a platform stack; a baseline or bootstrap stack is its own "
                             "account's")
        if args.baseline_stack not in available_stacks(BASELINE_DIR):
            raise InputError(f"--baseline-stack {args.baseline_stack!r}: no such baseline stack; available: "
                             f"{', '.join(available_stacks(BASELINE_DIR))}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # anywhere on the line, before or after the subcommand
    args = build_parser().parse_args([a for a in argv if a != "--debug"])
    args.debug = debug
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    try:
        check_inputs(args)
        return int(args.func(args, console))
    except (InputError, UnknownStackError, ProgramError, AnalyzerError, BaseError, AdoptError, StateError,
            FrameworkError) as exc:
        failure: BaseException = exc
        message = str(exc)
    except OSError as exc:
        failure, message = exc, f"{exc.filename or 'file'}: {exc.strerror or exc}"
    except Exception as exc:
        failure = exc
        message = f"internal error ({type(exc).__name__}: {exc}); rerun with --debug for the traceback"
    if debug:
        from rich.traceback import Traceback

        STDERR.print(Traceback.from_exception(type(failure), failure, failure.__traceback__))
    # One line per finding, unwrapped, so logs and job summaries keep them whole.
    STDERR.print(Text.assemble(("error: ", "red"), message), soft_wrap=True)
    return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
