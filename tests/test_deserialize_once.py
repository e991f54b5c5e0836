"""The pack's decode-once patch (policies/elite_policies/deserialize_once.py) changes speed, never
findings: every stack, and a stack broken on purpose, judged with and without it."""

from __future__ import annotations

import pytest

from preflight.engine.analyzer import POLICY_DIR, analyze, load_policy_config
from preflight.engine.runner import run_stack

from .conftest import stack_run


def _findings(resources, stack: str, preview: bool) -> list[tuple[str, str, str, str]]:
    config = load_policy_config(POLICY_DIR / "config" / f"{stack}.json")
    run = analyze(resources, stack=stack, project="elite-locadora", preview=preview, policy_config=config,
                  config_source="test")
    return sorted((v.policy, v.level, v.urn, v.message) for v in run.violations)


@pytest.mark.parametrize(("stack", "overrides", "preview"), [
    ("staging", None, True),
    ("production", None, False),
    ("production-dr", None, True),
    ("production", {"protectStatefulResources": False, "dbBackupRetentionDays": 1}, False),
])
def test_findings_are_identical_with_and_without_it(stack: str, overrides: dict | None, preview: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    resources = (run_stack(stack, preview=preview, overrides=overrides) if overrides or preview
                 else stack_run(stack)).resources
    monkeypatch.setenv("ELITE_POLICY_DESERIALIZE_ONCE", "0")
    plain = _findings(resources, stack, preview)
    monkeypatch.setenv("ELITE_POLICY_DESERIALIZE_ONCE", "1")
    assert _findings(resources, stack, preview) == plain
    if overrides:
        assert plain, "the broken stack must have findings to compare"


def test_it_installs_only_on_the_version_it_was_written_for(monkeypatch: pytest.MonkeyPatch) -> None:

    from elite_policies import deserialize_once

    monkeypatch.setattr(deserialize_once, "WRITTEN_FOR", "0.0.0")
    assert deserialize_once.install() is False
