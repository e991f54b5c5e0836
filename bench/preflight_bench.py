"""Benchmark the offline preflight. Prints numbers; asserts nothing (machines are shared and noisy).

    .venv/bin/python bench/preflight_bench.py [--runs 5] [--sizes 1000 5000 10000]

1. Full preflight of each stack as an operator runs it (`python -m preflight preview --stack S`,
   a fresh process each time): wall time, and the program / policy split it reports (a DR
   stack's program time includes running its primary for the StackReference).
2. The change preview, `preview --stack production --against REF`: wall time with the base run
   cold (its cache removed, so the ref's program runs in a worktree beside this one) and cached,
   against the plain preview's median (the goal: cold at most 1.6x plain).
3. Policy evaluation on synthetic stacks of 1k, 5k and 10k resources (the production stack's
   resources cloned under new names, dependencies rewired within each clone), through the real
   pack process: seconds per 1,000 resources, to show it scales linearly.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results.json"  # what `make readme` puts in the README
RECORDED: dict[str, list[str]] = {}


def report(part: str, line: str) -> None:
    print(line)
    RECORDED.setdefault(part, []).append(line.strip())

from preflight.engine.analyzer import POLICY_DIR, analyze, load_policy_config  # noqa: E402
from preflight.engine.runner import Registration, run_stack  # noqa: E402


def full_preflight(runs: int, stack: str) -> None:
    walls, programs, policies = [], [], []
    for _ in range(runs):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            started = time.perf_counter()
            command = [sys.executable, "-m", "preflight", "preview", "--stack", stack, "--json", out.name]
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True)  # noqa: S603 - our own CLI
            walls.append(time.perf_counter() - started)
            timings = json.loads(Path(out.name).read_text())["timings"]
        programs.append(timings["programSeconds"])
        policies.append(timings["policySeconds"])
    # A DR stack's program time includes running its primary first (the StackReference).
    report("full", f"full {stack} preflight, {runs} runs: wall median {statistics.median(walls):.2f}s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}); program median {statistics.median(programs):.2f}s; "
          f"policy median {statistics.median(policies):.2f}s")


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=False, capture_output=True)  # noqa: S603 - our own CLI
    return time.perf_counter() - started


def change_preview(runs: int, stack: str, ref: str) -> None:
    from preflight.plan.changes import CACHE_DIR

    commit = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True,  # noqa: S603,S607
                            check=True).stdout.strip()
    cached = CACHE_DIR / f"{commit}-{stack}.json"
    plain_command = [sys.executable, "-m", "preflight", "preview", "--stack", stack]
    against_command = [*plain_command, "--against", ref]
    plain, cold, warm = [], [], []
    for _ in range(runs):
        plain.append(_wall(plain_command))
        cached.unlink(missing_ok=True)
        cold.append(_wall(against_command))
        warm.append(_wall(against_command))
    base = statistics.median(plain)
    report("against", f"change preview of {stack} against {ref}, {runs} runs: plain median {base:.2f}s; "
          f"--against cold median {statistics.median(cold):.2f}s ({statistics.median(cold) / base:.2f}x), "
          f"cached median {statistics.median(warm):.2f}s ({statistics.median(warm) / base:.2f}x)")


def clone(resources: list[Registration], copy: int) -> list[Registration]:
    def rename(urn: str) -> str:
        return f"{urn}-{copy}" if urn else urn

    return [Registration(**{**r.__dict__, "urn": rename(r.urn), "name": f"{r.name}-{copy}",
                            "parent": rename(r.parent), "dependencies": [rename(d) for d in r.dependencies],
                            "property_dependencies": {k: [rename(u) for u in v]
                                                      for k, v in r.property_dependencies.items()}})
            for r in resources]


def scaling(sizes: list[int], runs: int) -> None:
    base = [r for r in run_stack("production").resources if not r.type.startswith("pulumi:providers:")]
    config = load_policy_config(POLICY_DIR / "config" / "production.json")
    report("scaling", f"synthetic stacks from {len(base)} production resources, policy time through the pack process:")
    for size in sizes:
        resources: list[Registration] = []
        copy = 0
        while len(resources) < size:
            resources += clone(base, copy)
            copy += 1
        resources = resources[:size]
        # Decoded once per request (the pack's default) against the SDK's once per policy.
        for label, flag in (("decode once", "1"), ("SDK decode per policy", "0")):
            os.environ["ELITE_POLICY_DESERIALIZE_ONCE"] = flag
            times = []
            for _ in range(runs):
                result = analyze(resources, stack="production", project="elite-locadora", preview=False,
                                 policy_config=config, config_source="bench")
                times.append(result.seconds)
            median = statistics.median(times)
            report("scaling", f"  {size:>6} resources, {label}: median {median:.2f}s over {runs} runs = "
                  f"{median / size * 1000:.3f}s per 1,000")
        os.environ.pop("ELITE_POLICY_DESERIALIZE_ONCE", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--stacks", nargs="+", default=["production", "production-dr"])
    parser.add_argument("--against", default="HEAD", metavar="REF", help="the ref the change preview runs against")
    parser.add_argument("--parts", nargs="+", choices=["full", "against", "scaling"],
                        default=["full", "against", "scaling"])
    args = parser.parse_args()
    if "full" in args.parts:
        for stack in args.stacks:
            full_preflight(args.runs, stack)
    if "against" in args.parts:
        change_preview(args.runs, "production", args.against)
    if "scaling" in args.parts:
        scaling(args.sizes, max(1, args.runs // 2))
    # Parts not run this time keep their last figures.
    kept = json.loads(RESULTS.read_text()).get("parts", {}) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores",
                                   "parts": {**kept, **RECORDED}}, indent=2) + "\n")


if __name__ == "__main__":
    main()
