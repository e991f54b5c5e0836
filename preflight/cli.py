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
from rich.tree import Tree

from .runner import ProgramError, Registration, StackRun, UnknownStackError, run_stack

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


def _json_document(run: StackRun, seconds: float) -> dict[str, Any]:
    return {
        "schemaVersion": 1,
        "stack": run.stack,
        "mode": "preview" if run.preview else "update",
        "summary": summary(run),
        "programSeconds": round(seconds, 3),
        "resources": [
            {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent or None,
             "custom": r.custom, "protect": r.protect, "dependencies": r.dependencies,
             "secretInputs": sorted(r.secret_inputs)}
            for r in run.resources
        ],
        "notes": run.notes,
        "warnings": run.warnings,
    }


def cmd_preview(args: argparse.Namespace, console: Console) -> int:
    started = time.perf_counter()
    run = run_stack(args.stack, preview=args.mode == "preview")
    seconds = time.perf_counter() - started
    console.print(f"Previewing stack [bold]{args.stack}[/bold] offline (mock engine, "
                  f"{args.mode} mode)")
    console.print(resource_tree(run))
    counts = summary(run)
    console.print(f"\nResources:\n    [green]+ {counts['create']} to create[/green] "
                  f"({counts['custom']} resources, {counts['components']} components, "
                  f"{counts['protected']} protected)")
    for note in run.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    for warning in run.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"Program: {seconds:.2f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(_json_document(run, seconds), indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m preflight", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    sub = parser.add_subparsers(dest="command", required=True)
    preview = sub.add_parser("preview", help="run the program offline and print its plan")
    preview.add_argument("--stack", required=True)
    preview.add_argument("--json", metavar="FILE", help="also write the plan as JSON")
    preview.add_argument("--mode", choices=("preview", "update"), default="preview",
                         help="preview leaves provider-computed values unknown, as "
                              "`pulumi preview` does; update resolves them")
    preview.set_defaults(func=cmd_preview)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    errors = Console(stderr=True, highlight=False)
    try:
        return int(args.func(args, console))
    except (UnknownStackError, ProgramError) as exc:
        if args.debug:
            errors.print_exception()
        errors.print(f"[red]error:[/red] {exc}", markup=True)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
