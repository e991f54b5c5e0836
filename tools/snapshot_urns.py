"""Write tests/fixtures/urns/<stack>.json: every URN each stack registers and a digest of its
inputs, the reference tests/test_structure.py holds the program to. Rewrite it only for a change
meant to alter resources (a rename without an alias would be a replacement in production):

    .venv/bin/python -m tools.snapshot_urns
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from preflight.engine.runner import PROJECT_DIR, StackRun, run_stack
from preflight.plan.changes import jsonable

OUT = PROJECT_DIR / "tests" / "fixtures" / "urns"
# (stack, project directory): the three stacks, the account bootstrap and the account baselines.
RUNS = (("staging", PROJECT_DIR), ("production", PROJECT_DIR), ("production-dr", PROJECT_DIR),
        ("admin", PROJECT_DIR / "bootstrap"), ("account-production", PROJECT_DIR / "baseline"),
        ("account-staging", PROJECT_DIR / "baseline"))


def digest(run: StackRun) -> dict[str, str]:
    """URN -> a hash of the inputs as the engine receives them (random suffixes are stable under mocks)."""
    return {r.urn: hashlib.sha256(json.dumps(jsonable(r.inputs), sort_keys=True, default=str).encode()).hexdigest()[:16]
            for r in sorted(run.resources, key=lambda r: r.urn)}


def snapshot(stack: str, project_dir: Path) -> dict[str, str]:
    return digest(run_stack(stack, project_dir=project_dir))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for stack, project_dir in RUNS:
        found = snapshot(stack, project_dir)
        (OUT / f"{stack}.json").write_text(json.dumps(found, indent=1) + "\n")
        print(f"{stack}: {len(found)} resources")


if __name__ == "__main__":
    main()
