"""The frameworks the compliance report speaks (FSBP, CIS AWS Foundations v3.0.0, PCI DSS v4.0.1):
complete tables with sources, every control implemented or marked with a reason, the account's
controls judged on the account baseline stack, and bad input refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from elite_policies import ALL_POLICIES, frameworks
from elite_policies.frameworks import FrameworkError, parse

from preflight import cli

META = [{"name": p.name, "controls": [c.strip() for c in (p.framework.reference if p.framework else "").split(",")
                                      if c.strip()], "tags": list(p.tags)} for p in ALL_POLICIES]


def test_cis_lists_every_recommendation_of_v3_and_pci_the_aws_relevant_requirements() -> None:
    cis = frameworks.load("cis-aws-3.0")
    assert len(cis.controls) == 62  # sections 1-5 of the benchmark
    sections = {c.id.split(".")[0] for c in cis.controls}
    assert sections == {"1", "2", "3", "4", "5"}
    assert {c.assessment for c in cis.controls} == {"automated", "manual"}
    pci = frameworks.load("pci-dss-4.0.1")
    assert {c.id.split(".")[0] for c in pci.controls} == {str(n) for n in range(1, 13)}
    for framework in (cis, pci):
        assert "https://" in framework.source


@pytest.mark.parametrize("key", frameworks.KEYS)
def test_every_control_is_implemented_or_marked_never_both(key: str) -> None:
    framework = frameworks.load(key)
    implemented = frameworks.implemented_by(framework, META)
    ids = {c.id for c in framework.controls}
    for control in framework.controls:
        assert bool(control.mark) != (control.id in implemented), (key, control.id, control.mark)
    if key != "fsbp":  # a policy names only controls the framework has
        assert set(implemented) <= ids, set(implemented) - ids


def test_every_automated_cis_recommendation_a_program_can_express_has_a_policy() -> None:
    cis = frameworks.load("cis-aws-3.0")
    implemented = frameworks.implemented_by(cis, META)
    for section in ("1", "2", "3", "4", "5"):
        unmarked = [c.id for c in cis.controls if c.id.startswith(section + ".") and c.assessment == "automated"
                    and c.mark not in ("outside infrastructure", "not applicable", "waived")]
        assert all(c in implemented for c in unmarked), unmarked
    assert all(f"4.{n}" in implemented for n in range(1, 17))


@pytest.mark.parametrize(("entry", "message"), [
    ({"id": "1.1", "title": "t", "waived": {"why": "because it is"}}, "control 1.1: waived without compensates"),
    ({"id": "1.1", "title": "t", "waived": "yes"}, "control 1.1: a waiver needs `why` and `compensates`"),
    ({"id": "1.1", "title": "t", "not applicable": ""}, "`not applicable` needs its reason"),
    ({"id": "1.1", "title": "t", "waived": {"why": "a long enough why", "compensates": "a long enough one"},
      "not applicable": "and also this reason here"}, "marked not applicable and waived"),
])
def test_a_table_that_waives_without_reasons_is_refused(entry: dict, message: str) -> None:
    with pytest.raises(FrameworkError, match=message.replace("(", r"\(")):
        parse({"key": "k", "name": "n", "version": "1", "source": "s", "controls": [entry]}, "table.yaml")


def test_an_unknown_framework_is_refused_by_name(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["compliance", "--stack", "staging", "--framework", "iso-27001"])
    assert exit_.value.code == cli.EXIT_FAILED
    assert "invalid choice: 'iso-27001'" in capsys.readouterr().err


@pytest.mark.parametrize(("waivers", "fragment"), [
    ({"cis-aws-3.0:5.1": {"why": "we prefer not to"}}, "cis-aws-3.0:5.1: waived without compensates"),
    ({"cis-aws-3.0:9.9": {"why": "a reason long enough", "compensates": "something that compensates"}},
     "cis-aws-3.0 has no control '9.9'"),
    ({"soc2:CC6.1": {"why": "a reason long enough", "compensates": "something that compensates"}},
     "unknown framework 'soc2'"),
])
def test_a_waiver_without_its_reasons_stops_before_any_program(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                                waivers: dict, fragment: str) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(json.dumps(waivers))
    assert cli.main(["compliance", "--stack", "staging", "--waivers", str(path)]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert fragment in err and "running the program" not in err


@pytest.mark.stacks
@pytest.mark.parametrize("stack", ["staging", "production", "production-dr"])
def test_every_stack_reports_three_frameworks_with_account_rows_on_its_baseline(stack: str, tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    cli.main(["compliance", "--stack", stack, "--json", str(out)])
    report = json.loads(out.read_text())
    assert report["baselineStack"] == ("account-staging" if stack == "staging" else "account-production")
    assert [f["key"] for f in report["frameworks"]] == list(frameworks.KEYS)
    for framework in report["frameworks"]:
        for c in framework["controls"]:
            if c["status"] in ("passed", "account baseline"):
                assert c["judged"] > 0, c  # never passed on nothing
            if c["status"] == "account baseline":  # names the baseline's resources it judged
                assert c["stack"] == report["baselineStack"] and f"on {report['baselineStack']}:" in c["reason"]
                assert len(c["resources"]) == c["judged"]
                assert all(r.startswith(report["baselineStack"] + ":") for r in c["resources"])
            if c["status"] in ("waived", "not applicable", "outside infrastructure"):
                assert len(c["reason"]) > 20, c
        assert not [c for c in framework["controls"] if c["status"] == "failed"] or stack == "staging"
    cis = {c["control"]: c for c in report["frameworks"][1]["controls"]}
    assert cis["3.1"]["status"] == cis["4.3"]["status"] == "account baseline"
    assert cis["3.1"]["resources"] == [f"{report['baselineStack']}:account-trail"]
    assert cis["1.4"]["status"] == "outside infrastructure" and cis["2.1.2"]["status"] == "waived"


def _judged(stack: str, project_dir: Path, project: str, **overrides: object):
    from preflight.engine.analyzer import PolicySession
    from preflight.engine.runner import run_stack
    from preflight.reports import compliance

    run = run_stack(stack, preview=False, project_dir=project_dir, overrides=overrides or None)
    config = json.loads((Path(cli.POLICY_DIR) / "config" / f"{stack}.json").read_text())
    with PolicySession(stack=stack, project=project, preview=False, policy_config=config,
                       config_source="test") as session:
        return compliance.Judged(stack, session.analyze(run.resources), run.resources)


@pytest.mark.stacks
def test_a_broken_baseline_fails_the_platform_stacks_account_control() -> None:
    """The account's unused-access analyzer is the baseline's: production's CIS 1.12 is judged there."""
    from preflight.reports import compliance

    own = _judged("production", cli.PROJECT_DIR, "elite-locadora")
    cis = frameworks.load("cis-aws-3.0")
    good = _judged("account-production", cli.BASELINE_DIR, "elite-locadora-baseline")
    results = {r.control: r for r in compliance.evaluate(cis, own, good, expects_baseline=True)}
    assert results["1.12"].status == "account baseline" and results["1.12"].stack == "account-production"
    broken = _judged("account-production", cli.BASELINE_DIR, "elite-locadora-baseline", unusedAccessAgeDays=90)
    results = {r.control: r for r in compliance.evaluate(cis, own, broken, expects_baseline=True)}
    assert results["1.12"].status == "failed"
    assert results["1.12"].resources == ["account-production:unused-access-analyzer"]
    alone = {r.control: r for r in compliance.evaluate(cis, own, None, expects_baseline=True)}
    assert alone["3.1"].status == "failed" and "no account baseline stack hosts" in alone["3.1"].reason
