"""Stack config: both stacks load; bad values stop the program before any resource exists."""

from __future__ import annotations

import pytest

from components.config import windows_overlap
from preflight.engine.runner import ProgramError, load_cli_config, run_stack


@pytest.mark.parametrize("stack", ["staging", "production", "production-dr"])
def test_stack_config_loads_and_registers_resources(stack: str) -> None:
    run = run_stack(stack)
    assert len(run.resources) > 40, f"{stack}: only {len(run.resources)} resources registered"


def test_cli_config_merges_project_defaults_under_stack_values() -> None:
    values, secret_keys, _ = load_cli_config("staging")
    assert values["elite-locadora:natStrategy"] == "single", "stack file must override the default"
    assert values["elite-locadora:azCount"] == "3", "project default must reach the program as a string"
    assert values["elite-locadora:interfaceEndpoints"].startswith("["), "lists travel as JSON"
    assert "elite-locadora:stripeSecretKey" in secret_keys


def test_environments_differ_only_by_config() -> None:
    staging, _, _ = load_cli_config("staging")
    production, _, _ = load_cli_config("production")
    assert staging["elite-locadora:natStrategy"] != production["elite-locadora:natStrategy"]
    assert production["elite-locadora:dbBackupRetentionDays"] == "30"
    assert staging["elite-locadora:dbBackupRetentionDays"] == "7"


BAD_VALUES = [
    ("natStrategy", "double", ["elite-locadora:natStrategy", "'double'", "'one-per-az'", "'single'", "'none'"]),
    ("vpcCidr", "10.0.0/16", ["elite-locadora:vpcCidr", "10.0.0/16", "IPv4 network"]),
    ("vpcCidr", "10.0.0.1/16", ["elite-locadora:vpcCidr", "host bits set"]),
    ("vpcCidr", "10.0.0.0/20", ["elite-locadora:vpcCidr", "must be a /16"]),
    ("vpcCidr", "8.8.0.0/16", ["elite-locadora:vpcCidr", "RFC 1918"]),
    ("azCount", 1, ["elite-locadora:azCount", "1", "greater than or equal to 2"]),
    ("azCount", 7, ["elite-locadora:azCount", "7", "less than or equal to 6"]),
    ("logRetentionDays", 10, ["elite-locadora:logRetentionDays", "10", "accepts only 1, 3, 5, 7, 14"]),
    ("alarmEmails", ["oncall-at-elitelocadora.com"], ["elite-locadora:alarmEmails[0]", "email"]),
    ("readReplicas", [{"name": "r", "region": "us-west-2", "availabilityZone": "us-west-2a",
                       "instanceClass": "db.r6g.large"}],
     ["elite-locadora:readReplicas", "us-west-2", "a DR stack (standbyFor"]),
    ("dbBackupRetentionDays", 36, ["elite-locadora:dbBackupRetentionDays", "36", "less than or equal to 35"]),
    ("dbBackupRetentionDays", 0, ["elite-locadora:dbBackupRetentionDays", "greater than or equal to 1"]),
    ("dbMaintenanceWindow", "sun:03:30-sun:04:30",
     ["elite-locadora:dbMaintenanceWindow", "does not overlap dbBackupWindow 03:00-04:00"]),
    ("dbBackupWindow", "3am", ["elite-locadora:dbBackupWindow", "hh24:mi-hh24:mi"]),
    ("dbEngineVersion", "5.7.44", ["elite-locadora:dbEngineVersion", "8.4 or 8.0"]),
    ("dbInsightsMode", "advanced", ["elite-locadora:dbPerformanceInsightsRetentionDays", "465"]),
    ("dbMonitoringIntervalSeconds", 45, ["elite-locadora:dbMonitoringIntervalSeconds", "0, 1, 5, 10, 15, 30, 60"]),
    ("redisNodeCount", 1, ["elite-locadora:redisNodeCount", "greater than or equal to 2"]),
    ("redisMaintenanceWindow", "sun:04:00-sun:05:00",
     ["elite-locadora:redisMaintenanceWindow", "redisSnapshotWindow 03:00-05:00"]),
    ("cpuArchitecture", "arm", ["elite-locadora:cpuArchitecture", "'ARM64'", "'X86_64'"]),
    ("cloudfrontMinimumProtocol", "TLSv1_2016",
     ["elite-locadora:cloudfrontMinimumProtocol", "TLSv1.2_2021", "TLSv1.2_2025"]),
    ("albTlsPolicy", "ELBSecurityPolicy-2016-08", ["elite-locadora:albTlsPolicy", "TLS13-1-"]),
    ("services", [{"name": "web", "kind": "web", "image": "nginx", "port": 80, "cpu": 512, "memory": 512,
                   "desiredCount": 1, "minCount": 1, "maxCount": 2}],
     ["elite-locadora:services[0].memory = 512", "memory 512 MiB is not valid with cpu 512"]),
    ("drMode", "warm", ["elite-locadora:drMode", "'warm'", "standby or active"]),
    ("interfaceEndpointZones", 1, ["elite-locadora:interfaceEndpointZones", "0 (every zone) or 2-3"]),
    ("drMode", "standby", ["elite-locadora:standbyFor", "the stack this DR stack protects"]),
    ("services", [{"name": "web", "kind": "web", "image": "primary", "port": 80, "cpu": 512, "memory": 1024,
                   "desiredCount": 1, "minCount": 1, "maxCount": 2, "public": True, "writablePaths": ["/tmp"]}],
     ["elite-locadora:services[0].image", "'primary' is for DR stacks"]),
    ("aws:region", "mars-1", ["aws:region", "AWS region code"]),
    ("assetsReplication", True, ["unknown key", "elite-locadora:assetsReplication"]),
    ("flowLogTrafficType", "SOME", ["elite-locadora:flowLogTrafficType", "'ALL'", "'ACCEPT'", "'REJECT'"]),
    ("services", [{"name": "web", "image": "nginx", "port": 80, "cpu": 512, "memory": 1024,
                   "desiredCount": 1, "minCount": 1, "maxCount": 2, "public": True}],
     ["elite-locadora:services[0].kind is required"]),
    ("services", [{"name": "jobs", "kind": "worker", "image": "x", "cpu": 256, "memory": 512,
                   "desiredCount": 1, "minCount": 1, "maxCount": 2}],
     ["elite-locadora:services", "exactly one public service of kind web"]),
    ("natStategy", "single", ["unknown key", "elite-locadora:natStategy", "did you mean elite-locadora:natStrategy"]),
    ("drActive", {"natStategy": "single"}, ["drActive sets natStategy (did you mean natStrategy?)"]),
    ("aws:regoin", "us-east-1", ["unknown key", "aws:regoin (did you mean aws:region?)"]),
    ("elitelocadora:natStrategy", "single", ["did you mean elite-locadora:natStrategy?"]),
    ("aws:region", "us-east-9", ["aws:region = 'us-east-9'", "us-east-1, us-west-2"]),
    ("owner", "platform;team", ["elite-locadora:owner = 'platform;team'", "tag value"]),
    ("costCenter", "", ["elite-locadora:costCenter", "tag value"]),
    ("natStrategy", "none", ["elite-locadora:natStrategy = 'none'", "one-per-az or single", "public registry"]),
    ("services", [{"name": "web", "kind": "web", "image": "nginx", "port": 80, "cpu": 3, "memory": 1024,
                   "desiredCount": 1, "minCount": 1, "maxCount": 2}],
     ["elite-locadora:services[0].cpu = 3", "not a Fargate size"]),
    ("adoptedDatabase", {"username": "1admin"}, ["elite-locadora:adoptedDatabase.username", "'1admin'"]),
    ("adoptedDatabase", {"kmsKeyArn": "alias/aws/rds"}, ["elite-locadora:adoptedDatabase.kmsKeyArn"]),
    ("adoptedDatabase", {"identity": "x"}, ["elite-locadora:adoptedDatabase", "identity"]),
    ("adoptedAssetsBucket", "Elite_Assets", ["elite-locadora:adoptedAssetsBucket", "'Elite_Assets'"]),
]


@pytest.mark.parametrize(("key", "value", "expected"), BAD_VALUES,
                         ids=[f"{k}={v!r}"[:60] for k, v, _ in BAD_VALUES])
def test_bad_config_value_stops_before_any_resource(key: str, value: object, expected: list[str]) -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack("staging", overrides={key: value})
    message = str(caught.value)
    for fragment in expected:
        assert fragment in message, f"{key}={value!r}: {fragment!r} missing from: {message}"
    assert "invalid configuration for stack 'staging'" in message
    assert caught.value.registered == [], (
        f"{key}={value!r}: resources registered before the config error: "
        f"{[r.name for r in caught.value.registered]}")


def test_required_secret_missing_stops_production() -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack("production", fill_missing_secrets=False)
    message = str(caught.value)
    assert "elite-locadora:stripeSecretKey" in message and "pulumi config set --secret" in message
    assert caught.value.registered == []


def test_missing_secret_is_allowed_where_not_required() -> None:
    run = run_stack("staging", fill_missing_secrets=False)
    assert run.resources, "staging does not require supplied secrets"


@pytest.mark.parametrize(("daily", "weekly", "overlap"), [
    ("03:00-04:00", "sun:04:30-sun:05:30", False),
    ("03:00-04:00", "sun:03:30-sun:04:30", True),
    ("03:00-05:00", "sun:05:00-sun:06:00", False),
    ("23:00-01:00", "mon:00:30-mon:01:30", True),
    ("03:00-04:00", "sat:23:00-sun:03:01", True),
])
def test_window_overlap(daily: str, weekly: str, overlap: bool) -> None:
    assert windows_overlap(daily, weekly) is overlap, f"{daily} vs {weekly}"


@pytest.mark.parametrize(("stack", "value", "fragment"), [
    ("production", "staging", "must name this stack's standby (a stack with standbyFor: production)"),
    ("production", "nowhere", "Pulumi.nowhere.yaml does not exist"),
    ("production-dr", "production", "empty in a DR stack"),
])
def test_assets_failover_must_name_this_stacks_standby(stack: str, value: str, fragment: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack(stack, overrides={"assetsFailoverStack": value})
    assert "assetsFailoverStack" in str(caught.value) and fragment in str(caught.value)
    assert caught.value.registered == []


def test_an_unpriced_instance_class_is_refused_with_the_classes_it_may_be() -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack("production", overrides={"dbInstanceClass": "db.r6g.4xlarge"})
    assert "dbInstanceClass" in str(caught.value) and "'db.r6g.2xlarge'" in str(caught.value)


def test_the_aws_providers_own_keys_are_accepted() -> None:
    run = run_stack("staging", overrides={"aws:skipRequestingAccountId": False, "aws:maxRetries": 5})
    assert run.resources


def test_no_nat_is_accepted_when_nothing_needs_the_internet() -> None:
    """Only a web service on an image from the account's registry: the VPC endpoints are enough."""
    web = {"name": "frontend", "kind": "web", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/frontend:1",
           "port": 80, "cpu": 512, "memory": 1024, "desiredCount": 1, "minCount": 1, "maxCount": 2, "public": True}
    run = run_stack("staging", overrides={"natStrategy": "none", "services": [web]})
    assert not run.of_type("aws:ec2/natGateway:NatGateway")
    with pytest.raises(ProgramError, match="calls Stripe's API"):
        run_stack("staging", overrides={"natStrategy": "none", "services": [
            web, {**web, "name": "backend", "kind": "api", "public": False, "port": 8080}]})


def test_a_supplied_secret_in_plain_text_is_refused(tmp_path) -> None:
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for name in ("Pulumi.yaml", "Pulumi.staging.yaml"):
        shutil.copy(root / name, tmp_path / name)
    with (tmp_path / "Pulumi.staging.yaml").open("a") as stack_file:
        stack_file.write("  elite-locadora:stripeSecretKey: sk_live_plaintext\n")
    (tmp_path / "__main__.py").write_text((root / "__main__.py").read_text())
    with pytest.raises(ProgramError, match="stripeSecretKey is in plain text") as caught:
        run_stack("staging", project_dir=tmp_path)
    assert "sk_live_plaintext" not in str(caught.value)


def test_the_accepted_regions_are_the_priced_ones() -> None:
    from elite_policies.pricing import DATA_DIR

    from components.config import SUPPORTED_REGIONS

    priced = {p.stem.removeprefix("prices-") for p in DATA_DIR.glob("prices-*.json")}
    assert set(SUPPORTED_REGIONS) == priced
