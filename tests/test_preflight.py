"""The offline preflight end to end: program -> policy pack process over gRPC -> exit code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from elite_policies.reference import render
from google.protobuf import struct_pb2

from preflight import cli
from preflight.engine.analyzer import POLICY_DIR, AnalyzerError, analyze, load_policy_config
from preflight.engine.runner import Registration, StackRun, run_stack

from .conftest import stack_run

SCHEMA = json.loads((Path(cli.__file__).parent / "plan.schema.json").read_text())


def _analyze(run: StackRun, resources: list[Registration] | None = None, config: dict | None = None,
             pack_dir: Path = POLICY_DIR):
    return analyze(resources if resources is not None else run.resources, stack=run.stack, project="elite-locadora",
                   preview=run.preview, pack_dir=pack_dir, config_source="test",
                   policy_config=config if config is not None else
                   load_policy_config(POLICY_DIR / "config" / f"{run.stack}.json"))


@pytest.mark.parametrize("stack", ["staging", "production", "production-dr"])
@pytest.mark.parametrize("preview", [True, False])
def test_each_stack_passes_its_own_policy_config(stack: str, preview: bool) -> None:
    run = run_stack(stack, preview=preview)
    result = _analyze(run)
    assert len(result.policies) >= 35
    assert result.mandatory == [], [f"{v.policy}: {v.urn} {v.message}" for v in result.mandatory]


@pytest.mark.parametrize(("stack", "overrides", "policy"), [
    ("production", ["dbBackupRetentionDays=1"], "rds-backup-retention"),
    ("staging", ["dbBackupRetentionDays=1"], "rds-backup-retention"),
    ("production", ["dbMultiAz=false"], "rds-multi-az"),
    ("production", ["protectStatefulResources=false"], "stateful-resources-protected"),
])
def test_config_override_that_breaks_a_rule_exits_1_naming_the_policy(
        stack: str, overrides: list[str], policy: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "plan.json"
    args = ["preview", "--stack", stack, "--json", str(out)]
    for item in overrides:
        args += ["--set", item]
    assert cli.main(args) == cli.EXIT_VIOLATIONS
    document = json.loads(out.read_text())
    assert policy in {v["policy"] for v in document["violations"] if v["level"] == "mandatory"}
    assert policy in capsys.readouterr().out


def test_seven_day_retention_passes_staging_and_fails_production(tmp_path: Path) -> None:
    assert cli.main(["preview", "--stack", "staging", "--set", "dbBackupRetentionDays=7"]) == cli.EXIT_OK
    assert cli.main(["preview", "--stack", "production", "--set", "dbBackupRetentionDays=7"]) == cli.EXIT_VIOLATIONS


def _mutated(run: StackRun, token: str, name: str | None, **changes: object) -> list[Registration]:
    """The stack's registrations with one resource's engine inputs changed, as a careless edit would."""
    resources = []
    for reg in run.resources:
        if reg.type == token and (name is None or reg.name == name):
            struct = struct_pb2.Struct()
            struct.CopyFrom(reg.engine_inputs)
            struct.update(changes)
            reg = Registration(**{**reg.__dict__, "engine_inputs": struct})
        resources.append(reg)
    return resources


@pytest.mark.parametrize(("token", "name", "changes", "policy"), [
    ("aws:lb/listener:Listener", "compute-alb-https-listener", {"sslPolicy": "ELBSecurityPolicy-2016-08"},
     "alb-https-listener-tls12"),
    ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "assets-public-access-block",
     {"blockPublicPolicy": False, "restrictPublicBuckets": False}, "s3-public-access-block-on"),
    ("aws:s3/bucketPolicy:BucketPolicy", "assets-policy",
     {"policy": json.dumps({"Statement": [{"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*",
                                           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/static/*"}]})},
     "s3-bucket-policy-not-public"),
    ("aws:cloudfront/distribution:Distribution", None,
     {"viewerCertificate": {"minimumProtocolVersion": "TLSv1.2_2019", "sslSupportMethod": "sni-only",
                            "acmCertificateArn": "arn:c"}}, "cloudfront-viewer-tls12"),
    # What a security reviewer tries first (issue: privilege and public-policy guardrails).
    ("aws:iam/rolePolicy:RolePolicy", "compute-backend-task-policy",
     {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})},
     "iam-no-wildcard-actions-or-resources"),
    ("aws:iam/rolePolicy:RolePolicy", "compute-backend-task-policy",
     {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]})},
     "iam-no-passrole-on-star"),
    ("aws:kms/key:Key", "keys-secrets",
     {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt",
                                           "Resource": "*"}]})}, "kms-key-policy-not-public"),
    ("aws:sns/topicPolicy:TopicPolicy", "observability-alarms-policy",
     {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
                                           "Resource": "*"}]})}, "sns-topic-policy-not-public"),
    ("aws:opensearch/domain:Domain", None,
     {"accessPolicies": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "es:*"}]})},
     "opensearch-private-with-access-control"),
    ("aws:ecs/taskDefinition:TaskDefinition", "compute-backend-task",
     {"containerDefinitions": json.dumps([{"name": "backend", "privileged": True, "readonlyRootFilesystem": True,
                                           "logConfiguration": {"logDriver": "awslogs"}}]), "pidMode": "host"},
     "ecs-container-not-privileged"),
    ("aws:cloudfront/distribution:Distribution", None,
     {"origins": [{"originId": "assets", "domainName": "b.s3.us-east-1.amazonaws.com"}]},
     "cloudfront-s3-origin-access-control"),
    ("aws:wafv2/webAcl:WebAcl", "compute-waf",
     {"rules": [{"name": "RateLimitRule", "priority": 1.0, "action": {"block": {}},
                 "statement": {"rateBasedStatement": {"limit": 2000.0}},
                 "visibilityConfig": {"cloudwatchMetricsEnabled": True}}]}, "waf-common-rule-set-first"),
    ("aws:appautoscaling/target:Target", "compute-backend-scaling-target", {"minCapacity": 1.0},
     "ecs-autoscaling-minimum-tasks"),
    ("aws:rds/instance:Instance", "data-replica-use1",
     {"enabledCloudwatchLogsExports": [], "monitoringInterval": 0.0, "autoMinorVersionUpgrade": False,
      "engine": "mysql", "engineVersion": "8.0.36"}, "rds-log-exports"),
])
def test_a_careless_change_is_caught_through_the_real_pack(token: str, name: str | None, changes: dict,
                                                            policy: str) -> None:
    run = stack_run("production")
    result = _analyze(run, resources=_mutated(run, token, name, **changes))
    assert policy in {v.policy for v in result.mandatory}, [v.policy for v in result.violations]


def _copy_pack(pack: Path) -> None:
    """The pack beside the preflight package it prices with (budget.py), as in the repository."""
    shutil.copytree(POLICY_DIR, pack, ignore=shutil.ignore_patterns("__pycache__"))
    (pack.parent / "preflight").symlink_to(POLICY_DIR.parent / "preflight")


def test_a_policy_that_raises_is_an_error_not_a_pass(tmp_path: Path) -> None:
    pack = tmp_path / "policies"
    _copy_pack(pack)
    module = pack / "elite_policies" / "transport.py"
    module.write_text(module.read_text().replace(
        'def alb_tls12(props: Mapping[str, Any], config: Mapping[str, Any]):\n',
        'def alb_tls12(props: Mapping[str, Any], config: Mapping[str, Any]):\n    raise RuntimeError("boom")\n'))
    with pytest.raises(AnalyzerError, match="boom"):
        _analyze(stack_run("staging"), pack_dir=pack)


def test_a_pack_that_fails_to_start_is_an_error(tmp_path: Path) -> None:
    pack = tmp_path / "policies"
    _copy_pack(pack)
    (pack / "__main__.py").write_text("import nonexistent_module\n")
    with pytest.raises(AnalyzerError, match=r"failed to start.*nonexistent_module"):
        _analyze(stack_run("staging"), pack_dir=pack)


@pytest.mark.parametrize(("config", "reason"), [
    ({"rds-backup-retention": {"minimumDays": "thirty"}}, "rds-backup-retention.minimumDays"),
    ({"rds-backup-retention": {"minDays": 30}}, "minDays"),
    ({"no-such-policy": "mandatory"}, "no policy named no-such-policy"),
    ({"rds-multi-az": {"enforcementLevel": "strict"}}, "'strict' is not one of"),
])
def test_a_bad_policy_config_exits_2_with_the_reason(config: dict, reason: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    assert cli.main(["preview", "--stack", "staging", "--policy-config", str(path)]) == cli.EXIT_FAILED
    assert reason in capsys.readouterr().err


def test_program_failure_exits_2_without_traceback(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "staging", "--set", "natStrategy=double"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "elite-locadora:natStrategy" in err and "Traceback" not in err


def test_unknown_stack_is_one_line_naming_the_stacks(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "nope"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "production, production-dr, staging" in err


def test_json_plan_validates_against_its_schema(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert cli.main(["preview", "--stack", "production", "--json", str(out)]) == cli.EXIT_OK
    document = json.loads(out.read_text())
    jsonschema.validate(document, SCHEMA)
    assert document["summary"]["create"] == len(document["resources"]) + 1
    assert document["summary"]["mandatoryViolations"] == 0


def test_preview_mode_leaves_computed_values_unknown() -> None:
    run = stack_run("staging")
    preview = run_stack("staging", preview=True)
    assert run.one("aws:ec2/vpc:Vpc").id and preview.one("aws:ec2/vpc:Vpc").id is None
    subnet = next(r for r in preview.of_type("aws:ec2/subnet:Subnet"))
    assert subnet.engine_inputs["vpcId"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "vpcId must be unknown"


def test_graph_names_every_component() -> None:
    from preflight.reports.graph import render as draw

    run = stack_run("production")
    for fmt in ("mermaid", "dot"):
        text = draw(run, fmt)
        for component in (r for r in run.resources if not r.custom):
            assert f"{component.type.split(':')[-1]} {component.name}" in text, (fmt, component.name)
    assert " --> " in draw(run, "mermaid") and " -> " in draw(run, "dot")


def test_policy_reference_has_no_drift() -> None:
    assert (POLICY_DIR / "README.md").read_text() == render(), "run `make policy-docs`"


@pytest.mark.stacks  # runs every stack's program (through a helper)
def test_readme_generated_parts_are_current() -> None:
    # Diagram, resource count, cost table and critical path (python -m preflight.readme).
    from preflight.readme import README, refresh

    text = README.read_text()
    assert refresh(text) == text, "the README is stale: run `make readme`"


def test_runs_in_one_process_do_not_share_exports() -> None:
    production = run_stack("production")
    staging = run_stack("staging")
    assert "logDashboardsUrl" in production.exports
    assert "logDashboardsUrl" not in staging.exports, "a previous run's exports leaked into this one"


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_plan_json_carries_inputs_and_regions_with_secrets_masked(mode: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert cli.main(["preview", "--stack", "production", "--mode", mode, "--json", str(out)]) == cli.EXIT_OK
    text = out.read_text()
    plan = json.loads(text)
    jsonschema.validate(plan, SCHEMA)
    by_name = {r["name"]: r for r in plan["resources"]}
    primary = by_name["data-mysql"]
    assert primary["inputs"]["instanceClass"] == "db.r6g.xlarge" and primary["region"] == "us-east-1"
    assert primary["inputs"]["password"] == "[secret]" and "password" in primary["secretInputs"]
    assert by_name["data"]["region"] is None  # a component
    # No generated secret reaches the file, whatever the mode.
    run = stack_run("production")
    secret = run.one("random:index/randomPassword:RandomPassword", "data-mysql-master-password").outputs["result"]
    assert secret not in text
    if mode == "preview":
        assert by_name["data-replica-use1"]["inputs"]["replicateSourceDb"] == "elite-locadora-production-mysql"
        assert "[unknown until up]" in json.dumps(by_name["data-mysql"]["inputs"]["vpcSecurityGroupIds"])
