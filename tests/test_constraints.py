"""What AWS rejects at create time fails the offline preview: every constraint has a case that
breaks it, the program's stacks break none, and the naming helper keeps names valid and apart."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.naming import NAME_RULES, physical_name, stack_name_problem
from preflight import cli
from preflight.engine import constraints
from preflight.engine.constraints import CONSTRAINTS, NAMED, check_all
from preflight.engine.mocks import auto_name
from preflight.engine.runner import ConstraintError, ProgramError, Registration, load_cli_config, run_stack

from .conftest import STACKS, stack_run

# A copy of production's settings names production's standby for its assets, refused for
# another stack (tests/test_config.py); the sweep is about names.
COPY_OVERRIDES = {"production": {"assetsFailoverStack": ""}}


def reg(token: str, inputs: dict[str, Any], name: str = "r", deps: dict[str, list[str]] | None = None,
        region: str = "us-east-1") -> Registration:
    """A registration as the mock engine captures it (engine-format inputs)."""
    from google.protobuf import struct_pb2
    return Registration(urn=f"urn:pulumi:test::p::{token}::{name}", type=token, name=name, custom=True, parent="",
                        provider="", dependencies=[], property_dependencies=deps or {}, protect=False,
                        retain_on_delete=False, ignore_changes=[], custom_timeouts={}, aliases=[], remote=False,
                        engine_inputs=struct_pb2.Struct(), inputs=inputs, secret_inputs=set(), region=region)


RDS, REDIS = "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"
RULE, ROLE, SG = ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:iam/role:Role",
                  "aws:ec2/securityGroup:SecurityGroup")
GROUP_URN = f"urn:pulumi:test::p::{SG}::g"
ROLE_URN = f"urn:pulumi:test::p::{ROLE}::role"
WINDOWS = {"snapshotWindow": "03:00-05:00", "maintenanceWindow": "sun:05:00-sun:06:00"}

# constraint id -> registrations that break it (one resource for most; several for quotas).
BREAKS: dict[str, list[Registration]] = {
    "rds-performance-insights-retention": [reg(RDS, {"performanceInsightsEnabled": True,
                                                     "performanceInsightsRetentionPeriod": 100.0})],
    "rds-database-insights-advanced": [reg(RDS, {"databaseInsightsMode": "advanced", "performanceInsightsEnabled":
                                                 True, "performanceInsightsRetentionPeriod": 7.0})],
    "rds-monitoring-interval": [reg(RDS, {"monitoringInterval": 60.0})],
    "rds-windows": [reg(RDS, {"backupWindow": "03:00-03:10", "maintenanceWindow": "sun:04:30-sun:05:30"})],
    "rds-backup-retention": [reg(RDS, {"backupRetentionPeriod": 36.0})],
    "rds-multi-az-no-zone": [reg(RDS, {"multiAz": True, "availabilityZone": "us-east-1b"})],
    "rds-storage": [reg(RDS, {"allocatedStorage": 100.0, "maxAllocatedStorage": 105.0})],
    "rds-encryption-key": [reg(RDS, {"kmsKeyId": "arn:aws:kms:us-east-1:1:key/k", "storageEncrypted": False})],
    "rds-mysql-credentials": [reg(RDS, {"engine": "mysql", "username": "admin-user", "password": "p@ss word"})],
    "elasticache-failover": [reg(REDIS, {"multiAzEnabled": True, "automaticFailoverEnabled": True,
                                         "numCacheClusters": 1.0})],
    "elasticache-transit-encryption": [reg(REDIS, {"engine": "redis", "engineVersion": "6.2",
                                                   "transitEncryptionEnabled": True,
                                                   "transitEncryptionMode": "required"})],
    "elasticache-windows": [reg(REDIS, {"snapshotWindow": "03:00-03:30", "maintenanceWindow": "sun:05:00-sun:06:00"})],
    "elasticache-snapshot-retention": [reg(REDIS, {"snapshotRetentionLimit": 40.0})],
    "opensearch-zones": [reg("aws:opensearch/domain:Domain", {"clusterConfig": {
        "zoneAwarenessEnabled": True, "instanceCount": 4.0, "zoneAwarenessConfig": {"availabilityZoneCount": 3.0}}})],
    "opensearch-dedicated-masters": [reg("aws:opensearch/domain:Domain", {"clusterConfig": {
        "dedicatedMasterEnabled": True, "dedicatedMasterCount": 2.0, "dedicatedMasterType": "m7g.large.search"}})],
    "opensearch-security": [reg("aws:opensearch/domain:Domain", {
        "advancedSecurityOptions": {"enabled": True}, "nodeToNodeEncryption": {"enabled": False},
        "encryptAtRest": {"enabled": True}, "domainEndpointOptions": {"enforceHttps": True}})],
    "waf-rules": [reg("aws:wafv2/webAcl:WebAcl", {"scope": "REGIONAL", "rules": [
        {"name": "a", "priority": 1.0, "visibilityConfig": {"metricName": "a"}},
        {"name": "a", "priority": 2.0, "visibilityConfig": {"metricName": "b"}}]})],
    "waf-logging-destination": [reg("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", {
        "logDestinationConfigs": ["arn:aws:logs:us-east-1:1:log-group:waf-logs"]})],
    "iam-role-settings": [reg(ROLE, {"assumeRolePolicy": json.dumps({"Statement": [{"Sid": "x" * 2100}]})})],
    "iam-role-policy-quotas": [reg(ROLE, {}, name="role")] + [
        reg("aws:iam/rolePolicy:RolePolicy", {"policy": json.dumps({"Statement": [{"Sid": "y" * 4000}]})},
            name=f"p{i}", deps={"role": [ROLE_URN]}) for i in range(3)],
    "s3-bucket-policy-size": [reg("aws:s3/bucketPolicy:BucketPolicy",
                                  {"policy": json.dumps({"Statement": [{"Sid": "z" * 21000}]})})],
    "s3-lifecycle-transitions": [reg("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", {
        "rules": [{"transitions": [{"days": 7.0, "storageClass": "STANDARD_IA"}]}]})],
    "ssm-parameter-value": [reg("aws:ssm/parameter:Parameter", {"type": "SecureString", "tier": "Standard",
                                                                "value": "v" * 5000})],
    "kms-key-settings": [reg("aws:kms/key:Key", {"deletionWindowInDays": 3.0})],
    "log-group-retention": [reg("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 10.0})],
    "log-subscription-filters-per-group": [
        reg("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", {"logGroup": "/ecs/x"}, name=f"f{i}")
        for i in range(3)],
    "cloudwatch-alarm-settings": [reg("aws:cloudwatch/metricAlarm:MetricAlarm", {"period": 90.0,
                                                                                 "evaluationPeriods": 2.0})],
    "target-group-health-check": [reg("aws:lb/targetGroup:TargetGroup", {"healthCheck": {"interval": 5.0,
                                                                                          "timeout": 5.0}})],
    "load-balancer-settings": [reg("aws:lb/loadBalancer:LoadBalancer", {"loadBalancerType": "application",
                                                                        "subnets": ["subnet-1"]})],
    "listener-settings": [reg("aws:lb/listener:Listener", {"protocol": "HTTPS", "port": 443.0})],
    "listener-rule-priorities": [reg("aws:lb/listenerRule:ListenerRule", {"priority": 10.0},
                                     name=f"rule{i}", deps={"listenerArn": ["urn:listener"]}) for i in range(2)],
    "ecs-task-size": [reg("aws:ecs/taskDefinition:TaskDefinition", {"requiresCompatibilities": ["FARGATE"],
                                                                    "cpu": "512", "memory": "512"})],
    "ecs-service-settings": [reg("aws:ecs/service:Service", {"healthCheckGracePeriodSeconds": 60.0})],
    "autoscaling-capacity": [reg("aws:appautoscaling/target:Target", {"minCapacity": 3.0, "maxCapacity": 2.0})],
    "security-group-rule-quota": [reg(SG, {}, name="g")] + [
        reg(RULE, {"prefixListId": "pl-3b927c52", "fromPort": float(port), "toPort": float(port)}, name=f"in{port}",
            deps={"securityGroupId": [GROUP_URN]}) for port in (80, 443)],
    "vpc-cidr-size": [reg("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/8"})],
    "route53-record": [reg("aws:route53/record:Record", {"aliases": [{"name": "d.cloudfront.net"}], "ttl": 300.0})],
    "cloudfront-viewer-certificate": [reg("aws:cloudfront/distribution:Distribution", {"viewerCertificate": {
        "acmCertificateArn": "arn:aws:acm:us-east-1:1:certificate/c", "minimumProtocolVersion": "TLSv1.2_2030"}})],
    "tags": [reg("aws:sns/topic:Topic", {"tags": {"aws:owner": "me"}})],
    "unique-names": [reg("aws:s3/bucket:Bucket", {"bucket": "same-bucket"}, name=f"b{i}") for i in range(2)],
}


def _bad_name(kind: str) -> str:
    rule = NAME_RULES[kind]
    return "a" * (rule.max_length + 1)


for _kind in NAME_RULES:
    tokens = [t for t, props in NAMED.items() for prop, k, _ in props if k == _kind]
    if tokens:
        token = tokens[0]
        prop = next(p for p, k, _ in NAMED[token] if k == _kind)
        BREAKS[f"name-{_kind}"] = [reg(token, {prop: _bad_name(_kind)})]


def test_every_constraint_has_a_case_that_breaks_it() -> None:
    assert set(BREAKS) == set(CONSTRAINTS), sorted(set(CONSTRAINTS) ^ set(BREAKS))


@pytest.mark.parametrize("constraint_id", sorted(BREAKS))
def test_constraint_catches_its_case(constraint_id: str) -> None:
    found = check_all(BREAKS[constraint_id])
    assert constraint_id in {v.constraint for v in found}, (constraint_id, [str(v) for v in found])
    violation = next(v for v in found if v.constraint == constraint_id)
    text = str(violation)
    assert violation.reference.startswith("https://docs.aws.amazon.com/"), violation.reference
    assert "Fix:" in text and violation.argument in text and violation.name in text, text


# Path-shaped names (SSM parameters, KMS aliases) are built from a fixed prefix, not the helper.
@pytest.mark.parametrize("kind", sorted(set(NAME_RULES) - {"ssm-parameter", "kms-alias"}))
def test_name_rules_accept_what_the_helper_derives(kind: str) -> None:
    name = physical_name(kind, "elite-locadora", "x" * 300, "suffix")
    assert NAME_RULES[kind].problems(name) == [], name


def test_secrets_never_appear_in_a_violation() -> None:
    found = check_all([reg(RDS, {"engine": "mysql", "password": "short"}),
                       reg(REDIS, {"authToken": "tiny", "transitEncryptionEnabled": True})])
    assert found and all("short" not in str(v) and "tiny" not in str(v) for v in found)


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_breaks_no_constraint(stack: str) -> None:
    run = stack_run(stack)
    assert check_all(run.resources) == []
    # ...and its auto-named resources were judged too (an IAM role has no explicit name).
    roles = [r for r in run.of_type(ROLE) if "name" not in r.inputs]
    assert roles and all(constraints.physical_names(r) for r in roles)


def test_a_bad_tag_value_is_refused_at_its_config_key(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "staging", "--set", "owner=platform!team"]) == cli.EXIT_FAILED
    assert "elite-locadora:owner = 'platform!team': must be a tag value" in capsys.readouterr().err


def test_program_that_breaks_a_constraint_exits_2_naming_resource_argument_and_fix(
        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # With the config key's own check out of the way, the create-time constraint still stops it.
    import components.config.values

    monkeypatch.setattr(components.config.values, "_TAG_VALUE", re.compile(r".+"))
    assert cli.main(["preview", "--stack", "staging", "--set", "owner=platform!team"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    for fragment in ("create-time constraint", "breaks tags", "tags.Owner", "'platform!team'", "Fix:",
                     "docs.aws.amazon.com"):
        assert fragment in err, (fragment, err[:2000])
    with pytest.raises(ConstraintError) as caught:
        run_stack("staging", overrides={"owner": "platform!team"})
    assert {v.constraint for v in caught.value.violations} == {"tags"}


def test_short_backup_window_is_a_config_error_naming_the_key(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "staging", "--set", "dbBackupWindow=03:00-03:10"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "elite-locadora:dbBackupWindow = '03:00-03:10'" in err and "at least 30 minutes" in err, err
    with pytest.raises(ProgramError) as caught:
        run_stack("staging", overrides={"dbBackupWindow": "03:00-03:10"})
    assert caught.value.registered == []


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("dbMaintenanceWindow", "sun:04:30-sun:04:45", "at least 30 minutes"),
    ("redisSnapshotWindow", "03:00-03:30", "at least 60 minutes"),
    ("redisMaintenanceWindow", "sun:05:00-sun:05:30", "at least 60 minutes"),
    ("dbMaxAllocatedStorageGib", 105, "at least 10 % above dbAllocatedStorageGib"),
])
def test_window_and_storage_rules_are_config_errors(key: str, value: object, expected: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack("staging", overrides={key: value})
    assert f"elite-locadora:{key}" in str(caught.value) and expected in str(caught.value), str(caught.value)
    assert caught.value.registered == []


def test_a_public_service_name_that_would_overflow_its_target_group_is_a_config_error() -> None:
    services = json.loads(load_cli_config("staging")[0]["elite-locadora:services"])
    services[0]["name"] = "customer-portal"  # compute-customer-portal-tg-xxxxxxx: 34 > 32
    with pytest.raises(ProgramError) as caught:
        run_stack("staging", overrides={"services": services})
    assert "elite-locadora:services[0].name = 'customer-portal'" in str(caught.value)
    assert len(auto_name("aws:lb/targetGroup:TargetGroup", "compute-customer-portal-tg")) > 32


# --- the naming helper -----------------------------------------------------------------------


def test_names_that_fit_are_unchanged_so_existing_stacks_keep_theirs() -> None:
    run = stack_run("production")
    assert run.one("aws:lb/loadBalancer:LoadBalancer").inputs["name"] == "elite-locadora-production-alb"
    assert run.one(REDIS).inputs["replicationGroupId"] == "elite-locadora-production-redis"
    assert run.one("aws:opensearch/domain:Domain").inputs["domainName"] == "elite-logs-production"
    assert run.one(RDS, "data-mysql").inputs["identifier"] == "elite-locadora-production-mysql"


@pytest.mark.parametrize("kind", ["alb", "elasticache-group", "opensearch-domain", "s3-bucket", "rds-instance"])
def test_shortened_names_are_valid_deterministic_and_apart(kind: str) -> None:
    limit = NAME_RULES[kind].max_length
    a = physical_name(kind, "elite-locadora", "perf-test-environment-01", "x" * limit)
    b = physical_name(kind, "elite-locadora", "perf-test-environment-02", "x" * limit)
    assert a == physical_name(kind, "elite-locadora", "perf-test-environment-01", "x" * limit)
    assert a != b and len(a) <= limit and len(b) <= limit
    assert not re.search(r"^-|-$|--", a), a


@pytest.mark.parametrize(("stack", "settings"), [("qa-environment-a", "staging"),
                                               ("perf-test-environment-01", "production")])
def test_the_stack_names_that_used_to_break_now_get_valid_names(stack: str, settings: str) -> None:
    # Cut at 32/40 characters these were 'elite-locadora-qa-environment-a-' and
    # 'elite-locadora-perf-test-environment-01-': trailing hyphens AWS rejects.
    run = run_stack(stack, preview=True, settings_from=settings, overrides=COPY_OVERRIDES.get(settings))
    alb = run.one("aws:lb/loadBalancer:LoadBalancer").inputs["name"]
    group = run.one(REDIS).inputs["replicationGroupId"]
    for name, limit in ((alb, 32), (group, 40)):
        assert len(name) <= limit and not name.endswith("-") and "--" not in name, name


@pytest.mark.parametrize("stack", ["Production", "qa_env", "qa.env", "-qa", "qa-", "qa--env", "q" * 41, ""])
def test_bad_stack_names_are_refused(stack: str) -> None:
    assert stack_name_problem(stack)


@pytest.mark.parametrize("stack", ["Production", "qa--env", "qa-"])
def test_bad_stack_name_stops_the_program_before_any_resource(stack: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack(stack, settings_from="staging")
    assert f"invalid stack name {stack!r}" in str(caught.value) and "single hyphens" in str(caught.value)
    assert caught.value.registered == []


def test_cli_refuses_a_bad_stack_name_with_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "QA_1", "--config-from", "staging"]) == cli.EXIT_FAILED
    assert "--stack 'QA_1': must be lower-case letters" in capsys.readouterr().err



@pytest.mark.parametrize(("kind", "cut"), [("alb", "elite-locadora-qa-environment-a-"),
                                           ("elasticache-group", "elite-locadora-perf-test-environment-01-")])
def test_the_old_cut_names_break_the_name_rules(kind: str, cut: str) -> None:
    assert NAME_RULES[kind].problems(cut), cut


def test_monitoring_role_only_with_monitoring_on() -> None:
    found = check_all([reg(RDS, {"monitoringInterval": 0.0, "monitoringRoleArn": "arn:aws:iam::1:role/m"})])
    assert [v.constraint for v in found] == ["rds-monitoring-interval"]
    run = run_stack("staging", overrides={"dbMonitoringIntervalSeconds": 0}, preview=True)
    assert "monitoringRoleArn" not in run.one(RDS, "data-mysql").inputs
