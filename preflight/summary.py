"""Markdown for a CI job summary from a plan written by `preflight preview --json`.

    python -m preflight.summary plan.json >> "$GITHUB_STEP_SUMMARY"

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
    for path in argv:
        sys.stdout.write(render(json.loads(Path(path).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
