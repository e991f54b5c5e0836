"""A sweep of stack names over both stack configurations: every derived name within AWS's rules,
and no physical name shared by two stacks of one account (its own file so xdist runs it beside
the rest of the suite)."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from components.naming import STACK_NAME_MAX, stack_name_problem
from preflight.engine import constraints
from preflight.engine.runner import StackRun, run_stack

# A copy of production's settings names production's standby for its assets, refused for
# another stack (tests/test_config.py); the sweep is about names.
COPY_OVERRIDES = {"production": {"assetsFailoverStack": ""}}


def _stack_names(count: int, seed: int = 20261129) -> list[str]:
    """Valid stack names of 1-40 characters: groups of letters and digits joined by hyphens."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    names = ["a", "7", "q" * STACK_NAME_MAX, "qa-environment-a", "perf-test-environment-01",
             "perf-test-environment-02", "x-" * 19 + "yz", "x-" * 19 + "y1"]
    while len(names) < count:
        length = rng.randint(1, STACK_NAME_MAX)
        text = "".join(rng.choice(alphabet + "---") for _ in range(length))
        name = "-".join(part for part in text.split("-") if part)[:STACK_NAME_MAX].strip("-")
        if name and name not in names:
            names.append(name)
    return names


NAMES = _stack_names(12)


def _names(run: StackRun) -> dict[tuple[str, str, str], str]:
    return {constraints.name_key(kind, name, r.region): r.name for r in run.resources
            for _, kind, name, explicit in constraints.physical_names(r)
            if explicit and kind not in constraints.SCOPED_KINDS}


def test_the_sweep_names_are_valid_stack_names() -> None:
    assert all(stack_name_problem(n) is None for n in NAMES), [n for n in NAMES if stack_name_problem(n)]


# A primary has one standby: its parameter names, registry replication rule and SECONDARY
# record are one per primary, so production-dr is not swept across names.
@pytest.mark.parametrize("settings", ["staging", "production"])
def test_sweep_of_stack_names_breaks_no_constraint_and_shares_no_name(settings: str) -> None:
    owners: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for stack in NAMES:
        # run_stack raises ConstraintError on any create-time violation.
        run = run_stack(stack, preview=True, settings_from=settings, overrides=COPY_OVERRIDES.get(settings))
        for key in _names(run):
            owners[key].append(stack)
    shared = {key: stacks for key, stacks in owners.items() if len(stacks) > 1}
    assert not shared, shared


def test_staging_and_production_share_no_physical_name() -> None:
    staging, production = (_names(run_stack(s, preview=True)) for s in ("staging", "production"))
    assert not set(staging) & set(production)


# Settings a team may reasonably choose: each must yield a program AWS accepts (run_stack raises
# on any create-time violation), not only one that passes config validation.
SETTINGS = [
    ("production", {"azCount": 2, "openSearchInstanceCount": 2}),
    ("production", {"azCount": 4}),
    ("production", {"aws:region": "us-west-2", "readReplicas": [
        {"name": "replica-usw2", "region": "us-west-2", "availabilityZone": "us-west-2b",
         "instanceClass": "db.r6g.large"}]}),
    ("production-dr", {"drMode": "active"}),
    ("production-dr", {"natStrategy": "one-per-az", "azCount": 2}),
    # No NAT: only a web service from the account's own registry, which the endpoints serve.
    ("staging", {"natStrategy": "none", "services": [
        {"name": "frontend", "kind": "web", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/frontend:1",
         "port": 80, "cpu": 512, "memory": 1024, "desiredCount": 1, "minCount": 1, "maxCount": 2, "public": True}]}),
    ("staging", {"logAggregation": True, "openSearchDedicatedMasterCount": 5}),
    ("staging", {"cacheEngine": "redis", "cacheEngineVersion": "7.0", "redisNodeCount": 6}),
    ("staging", {"dbInsightsMode": "advanced", "dbPerformanceInsightsRetentionDays": 731}),
    ("staging", {"dbMonitoringIntervalSeconds": 0, "dbEngineVersion": "8.0"}),
    ("staging", {"aws:region": "us-west-2", "logRetentionDays": 3653, "logInfrequentAccess": True}),
    ("staging", {"albOnlyFromCloudFront": False, "wafManagedRuleGroups": [], "wafRateLimit": 10}),
]


@pytest.mark.parametrize(("stack", "overrides"), SETTINGS, ids=[f"{s}-{'-'.join(o)}"[:60] for s, o in SETTINGS])
def test_settings_sweep_yields_what_aws_accepts(stack: str, overrides: dict) -> None:
    run = run_stack(stack, preview=True, overrides=overrides)
    assert run.of_type("aws:rds/instance:Instance")
