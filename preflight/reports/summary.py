"""Markdown for a CI job summary from a plan written by `preflight preview --json`.

    python -m preflight.reports.summary plan.json >> "$GITHUB_STEP_SUMMARY"

pulumi/actions' pull-request comments leave out policy findings; this puts them on the run page.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def render(plan: dict[str, Any]) -> str:
    summary, pack = plan["summary"], plan["policyPack"]
    lines = [f"### Preflight: `{plan['stack']}` ({plan['mode']} mode)", "",
             f"+ {summary['create']} to create ({summary['custom']} resources, {summary['components']} components), "
             f"policy pack {pack['name']}@v{pack['version']} with {len(pack['policies'])} policies: "
             f"**{summary['mandatoryViolations']} mandatory**, "
             f"{summary['violations'] - summary['mandatoryViolations']} "
             "advisory violation(s).", ""]
    if plan["violations"]:
        lines += ["| policy | level | resource | message |", "|---|---|---|---|"]
        for v in plan["violations"]:
            resource = (v["urn"] or "(stack)").split("::")[-1]
            lines.append(f"| `{v['policy']}` | {v['level']} | `{resource}` | {v['message'].replace('|', '/')} |")
        lines.append("")
    for note in plan["notes"]:
        lines.append(f"> note: {note}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """0 written; 2 a plan that cannot be read (one line naming it), never a traceback."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m preflight.reports.summary",
                                     description="Markdown for a CI job summary from `preview --json` plans.")
    parser.add_argument("plans", nargs="+", metavar="PLAN.json", help="plans written by `preview --json`")
    args = parser.parse_args(argv)
    for path in args.plans:
        try:
            plan = json.loads(Path(path).read_text())
            text = render(plan)
        except OSError as exc:
            sys.stderr.write(f"error: {path}: {exc.strerror}\n")
            return 2
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            sys.stderr.write(f"error: {path}: not a plan written by `preview --json` ({type(exc).__name__}: {exc})\n")
            return 2
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
