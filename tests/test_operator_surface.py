"""The operator's surface: untrusted text reaches the terminal as written (never as rich markup),
and every command keeps one exit contract — 0 ok, 1 mandatory findings, 2 the input, program or
pack failed, in one line naming what and what is accepted, checked before the program runs."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from preflight import cli
from preflight.engine.analyzer import PolicyRun, Violation
from preflight.plan.changes import Change, PropertyChange

from .conftest import stack_run

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["[estimated 3,054.88 USD/month, budget 2,600.00]", "[not protected]", "[/red]", "/starts-with-slash",
           "[estimated]x", "[bold]loud[/bold]", "[link=http://x]y[/link]"]


def _console() -> Console:
    return Console(record=True, width=400, highlight=False, color_system=None)


def _text(console: Console) -> str:
    return " ".join(console.export_text().split())


def test_findings_print_exactly_as_written() -> None:
    policies = PolicyRun(pack="p", version="1", policies=[], violations=[
        Violation(policy=f"pol-{i}", level="mandatory", severity="high", urn=f"urn:pulumi:s::p::t::{text}",
                  message=f"message {text}") for i, text in enumerate(HOSTILE)])
    console = _console()
    cli._print_violations(policies, console)
    out = _text(console)
    for text in HOSTILE:
        assert f"message {text}" in out


def test_tree_changes_and_names_print_exactly_as_written() -> None:
    run = stack_run("staging")
    hostile = replace(run, resources=[replace(r, name=HOSTILE[i % len(HOSTILE)]) if i < len(HOSTILE) else r
                                      for i, r in enumerate(run.resources)])
    console = _console()
    console.print(cli.resource_tree(hostile))
    changes = [Change(urn="u", type="aws:s3/bucket:Bucket", name=text, kind="update",
                      properties=[PropertyChange(text, text, text, "changed")], effects=[text]) for text in HOSTILE]
    cli._print_changes(changes, console)
    out = _text(console)
    for text in HOSTILE:
        assert text in out


def test_a_real_finding_keeps_its_brackets(capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["preview", "--stack", "production", "--mode", "update", "--set", "protectStatefulResources=false"])
    out = " ".join(capsys.readouterr().out.split())
    assert code == cli.EXIT_VIOLATIONS
    assert "[not protected]" in out
    assert "mandatory, " in out and "advisory finding(s) — exit 1" in out


def test_an_error_keeps_its_brackets_and_exits_2(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "staging", "--set", "natStrategy=[/red]"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "'[/red]'" in err and "Traceback" not in err


def test_progress_goes_to_stderr_and_the_report_to_stdout(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "production-dr"]) == cli.EXIT_OK
    captured = capsys.readouterr()
    assert "stack production runs first" in captured.err
    assert "running the program of production-dr" in captured.err and "policies:" in captured.err
    assert "»" not in captured.out and "Previewing stack" in captured.out


@pytest.mark.parametrize(("argv", "fragment"), [
    (["preview", "--stack", "QA_1"], "--stack 'QA_1': must be lower-case"),
    (["preview", "--stack", "qa-1"], "no Pulumi.qa-1.yaml"),
    (["preview", "--stack", "production", "--config-from", "staging"], "has its own Pulumi.production.yaml"),
    (["preview", "--stack", "qa-one", "--config-from", "nope"], "--config-from 'nope': no such stack"),
    (["preview", "--stack", "staging", "--json", "/nonexistent-dir/plan.json"], "--json /nonexistent-dir"),
    (["graph", "--stack", "staging", "--output", "/nonexistent-dir/g.md"], "--output /nonexistent-dir"),
    (["graph", "--stack", "staging", "--format", "dot", "--components-only"], "draws mermaid only"),
    (["cost", "--stack", "staging", "--format", "markdown"], "needs --base"),
    (["cost", "--stack", "staging", "--base", str(ROOT / "preflight" / "plan.schema.json")], "not a `cost --json`"),
    (["timeline", "--stack", "staging", "--change", "nonsense"], "--change expects KEY=VALUE"),
    (["preview", "--stack", "staging", "--set", "nonsense"], "--set expects KEY=VALUE"),
    (["preview", "--stack", "staging", "--project-dir", "/nonexistent-dir"], "no Pulumi.yaml there"),
    (["preview", "--stack", "staging", "--policy-config", "/nonexistent.json"], "--policy-config /nonexistent.json"),
])
def test_bad_inputs_exit_2_in_one_line_before_the_program_runs(argv: list[str], fragment: str,
                                                               capsys: pytest.CaptureFixture) -> None:
    assert cli.main(argv) == cli.EXIT_FAILED
    captured = capsys.readouterr()
    assert fragment in " ".join(captured.err.split())
    assert "running the program" not in captured.err and "Traceback" not in captured.err


def test_a_bad_policy_config_is_refused_before_the_program_runs(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "policy.json"
    config.write_text('{"stateful-resources-protected": {"required": "yes"}}')
    assert cli.main(["preview", "--stack", "staging", "--policy-config", str(config)]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "stateful-resources-protected.required" in err and "running the program" not in err


def test_malformed_stack_yaml_is_exit_2_naming_the_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.broken.yaml").write_text("config:\n  elite-locadora:natStrategy: [single\n")
    code = cli.main(["preview", "--stack", "broken", "--project-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILED and "Pulumi.broken.yaml: line" in err and "malformed YAML" in err


def test_debug_anywhere_adds_the_traceback(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "staging", "--set", "natStrategy=double", "--debug"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "Traceback" in err and "error: invalid configuration" in err


def test_the_summary_tool_keeps_the_contract(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from preflight.reports import summary

    with pytest.raises(SystemExit) as helped:
        summary.main(["--help"])
    assert helped.value.code == 0
    (tmp_path / "x.json").write_text("[]")
    assert summary.main([str(tmp_path / "x.json")]) == 2
    assert summary.main([str(tmp_path / "missing.json")]) == 2
    assert "not a plan" in capsys.readouterr().err


def test_a_misspelt_policy_name_gets_the_nearest_one(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "policy.json"
    config.write_text('{"stateful-resource-protected": {"required": true}}')
    assert cli.main(["preview", "--stack", "staging", "--policy-config", str(config)]) == cli.EXIT_FAILED
    assert "(did you mean stateful-resources-protected?)" in capsys.readouterr().err
