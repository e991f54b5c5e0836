"""The warm standby as a stack: production-dr (standbyFor: production) in us-west-2.

What is proven here, on the inputs each stack registers: one owner per resource, the replica
promoted in place by a config flip, failover records on both sides, the primary's secrets in
SSM in the DR region under the DR key, replication of assets and images, and bad DR config
refused before any resource exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.compute import PLACEHOLDER_IMAGE, replica_image
from preflight import cli
from preflight.engine.runner import ProgramError, StackRun, run_stack

from .conftest import setting, stack_run

RDS = "aws:rds/instance:Instance"
RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
PARAM = "aws:ssm/parameter:Parameter"


@pytest.fixture(scope="module")
def standby() -> StackRun:
    return stack_run("production-dr")


@pytest.fixture(scope="module")
def active() -> StackRun:
    return run_stack("production-dr", overrides={"drMode": "active"})


def _key_arn(run: StackRun, name: str) -> str:
    return run.one("aws:kms/key:Key", name).outputs["arn"]


# --- one owner per resource ----------------------------------------------------------------------

def test_production_owns_nothing_in_the_dr_region_and_reads_no_other_stack(production: StackRun) -> None:
    regions = {r.region for r in production.resources if r.custom and r.region}
    assert regions == {"us-east-1"}
    assert not setting("production", "standbyFor")  # so the preflight runs no other stack for it
    # What the standby reads: plain facts, and the secrets as one secret output.
    assert {"databaseArn", "assetsBucketName", "assetsBucketArn", "storageKeyArn", "zoneId", "repositoryPrefix",
            "serviceImages", "region"} <= set(production.exports["standby"])
    assert production.secret_exports == {"standbySecrets"}
    assert set(production.exports["standbySecrets"]) == {
        "databasePassword", "jwtSecret", "stripeSecretKey", "stripePublicKey", "originVerifyHeader"}


def test_the_standby_owns_the_dr_region_and_only_the_links_reach_the_primarys(standby: StackRun) -> None:
    by_region: dict[str, set[str]] = {}
    for reg in standby.resources:
        if reg.custom and reg.region:
            by_region.setdefault(reg.region, set()).add(reg.type)
    # In us-east-1 only what must attach to production's resources: the replication rules.
    assert by_region["us-east-1"] == {"aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                                      "aws:ecr/replicationConfiguration:ReplicationConfiguration"}
    assert set(by_region) == {"us-east-1", "us-west-2"}
    assert {"aws:rds/instance:Instance", "aws:ec2/vpc:Vpc", "aws:kms/key:Key", "aws:lb/loadBalancer:LoadBalancer",
            "aws:ecs/service:Service", "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:sns/topic:Topic"} <= by_region["us-west-2"]
    # CloudFront stays production's.
    assert standby.of_type("aws:cloudfront/distribution:Distribution") == []
    assert standby.of_type("aws:ecr/repository:Repository") == []


# --- promotion in place ----------------------------------------------------------------------------

def test_standby_database_is_a_cross_region_replica_of_productions(standby: StackRun, production: StackRun) -> None:
    db = standby.one(RDS, "data-mysql")
    assert db.inputs["replicateSourceDb"] == production.one(RDS, "data-mysql").outputs["arn"]
    assert db.inputs["kmsKeyId"] == _key_arn(standby, "keys-database") and ":us-west-2:" in db.inputs["kmsKeyId"]
    # A replica takes the source's engine, storage, master user and database: none is sent.
    assert not {"engine", "allocatedStorage", "username", "password", "dbName"} & set(db.inputs)
    assert db.inputs["multiAz"] is False and db.inputs["applyImmediately"] is True and db.protect
    group = standby.one("aws:rds/subnetGroup:SubnetGroup", "data-mysql-subnets").inputs["subnetIds"]
    isolated = {s.id for s in standby.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "isolated"}
    assert set(group) == isolated


def test_active_promotes_the_same_replica_in_place(standby: StackRun, active: StackRun) -> None:
    before, after = standby.one(RDS, "data-mysql"), active.one(RDS, "data-mysql")
    assert before.urn == after.urn, "promotion is an update of the same resource"
    assert [r.urn for r in standby.of_type(RDS)] == [r.urn for r in active.of_type(RDS)], "no new database"
    assert "replicateSourceDb" in before.inputs and "replicateSourceDb" not in after.inputs
    # Replacement would follow from a changed identifier, key or creation-only argument: none changes.
    for key in ("identifier", "kmsKeyId", "storageEncrypted", "dbSubnetGroupName"):
        assert before.inputs[key] == after.inputs[key], key
    assert not {"engine", "allocatedStorage", "username", "password", "dbName"} & set(after.inputs)
    assert (after.inputs["multiAz"], after.inputs["instanceClass"], after.inputs["backupRetentionPeriod"]) == (
        True, "db.r6g.xlarge", 30)
    assert after.inputs["skipFinalSnapshot"] is False and after.inputs["finalSnapshotIdentifier"]


def test_active_lays_production_sizes_over_the_standby(standby: StackRun, active: StackRun) -> None:
    def sizes(run: StackRun) -> tuple:
        cache = run.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
        targets = {t.name: t.inputs["minCapacity"] for t in run.of_type("aws:appautoscaling/target:Target")}
        return (cache["nodeType"], cache["numCacheClusters"], len(run.of_type("aws:ec2/natGateway:NatGateway")),
                targets)
    assert sizes(standby) == ("cache.t4g.small", 2, 1, {
        "compute-frontend-scaling-target": 1, "compute-backend-scaling-target": 1, "compute-worker-scaling-target": 1})
    assert sizes(active) == ("cache.r6g.large", 3, 3, {
        "compute-frontend-scaling-target": 2, "compute-backend-scaling-target": 2, "compute-worker-scaling-target": 2})
    assert standby.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs["applyImmediately"] is True
    alarms = {a.name for a in active.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert "observability-mysql-connections-high" in alarms and "observability-mysql-replica-lag" not in alarms
    standby_alarms = {a.name for a in standby.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert "observability-mysql-replica-lag" in standby_alarms


@pytest.mark.parametrize("mode", ["standby", "active"])
def test_plan_json_shows_the_promotion(mode: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    args = ["preview", "--stack", "production-dr", "--json", str(out)]
    args += ["--set", "drMode=active"] if mode == "active" else []
    assert cli.main(args) == cli.EXIT_OK
    plan = json.loads(out.read_text())
    (db,) = [r for r in plan["resources"] if r["name"] == "data-mysql"]
    assert db["urn"] == ("urn:pulumi:production-dr::elite-locadora::elite-locadora:data:DataTier"
                         "$aws:rds/instance:Instance::data-mysql")
    assert db["region"] == "us-west-2"
    if mode == "standby":
        assert db["inputs"]["replicateSourceDb"].startswith("arn:aws:rds:us-east-1:")
    else:
        assert "replicateSourceDb" not in db["inputs"]
    assert plan["summary"]["mandatoryViolations"] == 0


# --- traffic failover --------------------------------------------------------------------------------

def test_failover_records_on_both_sides(production: StackRun, standby: StackRun) -> None:
    primary = production.one(RECORD, "edge-api.elitelocadora.com-a").inputs
    secondary = standby.one(RECORD, "standby-links-api.elitelocadora.com-secondary").inputs
    assert primary["name"] == secondary["name"] == "api.elitelocadora.com"
    assert primary["type"] == secondary["type"] == "A"
    assert primary["zoneId"] == secondary["zoneId"] == production.exports["standby"]["zoneId"]
    assert primary["failoverRoutingPolicies"] == [{"type": "PRIMARY"}]
    assert secondary["failoverRoutingPolicies"] == [{"type": "SECONDARY"}]
    assert primary["setIdentifier"] != secondary["setIdentifier"]
    assert secondary["aliases"][0]["name"] == standby.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"]
    assert secondary["aliases"][0]["evaluateTargetHealth"] is True
    # The PRIMARY is healthy while every public service has a healthy target.
    checks = {c.id: c.inputs for c in production.of_type(HEALTH_CHECK)}
    parent = checks[primary["healthCheckId"]]
    assert parent["type"] == "CALCULATED" and parent["childHealthThreshold"] == len(parent["childHealthchecks"]) == 2
    alarms = {a.inputs["name"]: a.inputs for a in production.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    for child in parent["childHealthchecks"]:
        check = checks[child]
        assert check["type"] == "CLOUDWATCH_METRIC" and check["insufficientDataHealthStatus"] == "Unhealthy"
        alarm = alarms[check["cloudwatchAlarmName"]]
        assert (alarm["metricName"], alarm["comparisonOperator"], alarm["threshold"]) == (
            "HealthyHostCount", "LessThanThreshold", 1)
        assert alarm["treatMissingData"] == "breaching" and check["cloudwatchAlarmRegion"] == "us-east-1"


def test_turning_failover_on_replaces_the_simple_record_first(production: StackRun) -> None:
    # set_identifier forces a replacement, and Route 53 refuses a failover record beside a simple
    # one of the same name: the simple record must go first.
    record = production.one(RECORD, "edge-api.elitelocadora.com-a")
    assert record.urn.endswith("::edge-api.elitelocadora.com-a"), "same logical name as the simple record"
    assert record.delete_before_replace is True
    staging_record = stack_run("staging").one(RECORD, "edge-api.staging.elitelocadora.com-a").inputs
    assert "failoverRoutingPolicies" not in staging_record  # originFailover is production's


def test_the_standbys_alb_serves_the_api_name_and_checks_cloudfronts_header(standby: StackRun,
                                                                          production: StackRun) -> None:
    certificate = standby.one("aws:acm/certificate:Certificate", "certificates-alb")
    assert certificate.region == "us-west-2" and certificate.inputs["domainName"] == "api.elitelocadora.com"
    # Production's validation records serve the standby's certificate too (same account, same names).
    assert [r for r in standby.of_type(RECORD) if "validation" in r.name] == []
    header = production.exports["standbySecrets"]["originVerifyHeader"]
    rules = standby.of_type("aws:lb/listenerRule:ListenerRule")
    assert rules and all(any(c.get("httpHeader", {}).get("values") == [header] for c in r.inputs["conditions"])
                         for r in rules)
    assert all("conditions" in r.secret_inputs for r in rules)
    assert standby.one("aws:wafv2/webAcl:WebAcl").inputs["scope"] == "REGIONAL"


# --- data, secrets and images --------------------------------------------------------------------------

def test_secure_strings_in_the_dr_region_under_the_dr_key(standby: StackRun, production: StackRun) -> None:
    mine = {p.inputs["name"]: p for p in standby.of_type(PARAM)}
    theirs = {p.inputs["name"]: p for p in production.of_type(PARAM)}
    assert set(mine) == set(theirs), "same names: the application reads the same paths in either region"
    key = _key_arn(standby, "keys-secrets")
    assert ":us-west-2:" in key
    for name, param in mine.items():
        assert param.region == "us-west-2" and param.inputs["keyId"] == key, name
        assert param.inputs["type"] == "SecureString" and "value" in param.secret_inputs, name
    for path in ("database/password", "app/jwt-secret", "payments/stripe-secret", "stripe/public-key"):
        name = f"/elite-locadora/production/{path}"
        assert mine[name].inputs["value"] == theirs[name].inputs["value"], path
    url = mine["/elite-locadora/production/database/url"].inputs["value"]
    assert url.endswith(f"@{standby.one(RDS, 'data-mysql').outputs['address']}:3306/elite_locadora")


def test_assets_replicate_into_the_standbys_bucket(standby: StackRun, production: StackRun) -> None:
    config = standby.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert config.region == "us-east-1" and config.inputs["bucket"] == production.one(
        "aws:s3/bucket:Bucket", "assets").outputs["bucket"]
    (rule,) = config.inputs["rules"]
    destination = rule["destination"]
    assert destination["bucket"] == standby.one("aws:s3/bucket:Bucket", "assets").outputs["arn"]
    assert destination["encryptionConfiguration"]["replicaKmsKeyId"] == _key_arn(standby, "keys-storage")
    assert destination["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert rule["deleteMarkerReplication"] == {"status": "Enabled"}
    policy = json.loads(standby.one("aws:iam/rolePolicy:RolePolicy", "standby-links-assets-replication-policy")
                        .inputs["policy"])
    decrypt = next(s for s in policy["Statement"] if s["Sid"] == "DecryptSourceThroughS3")
    assert decrypt["Resource"] == production.one("aws:kms/key:Key", "keys-storage").outputs["arn"]
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_images_replicate_with_the_dr_key_and_the_standby_pulls_them(standby: StackRun) -> None:
    replication = standby.one("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    (rule,) = replication.inputs["replicationConfiguration"]["rules"]
    assert rule["destinations"] == [{"region": "us-west-2", "registryId": "123456789012"}]
    assert rule["repositoryFilters"] == [{"filter": "elite-locadora-production/", "filterType": "PREFIX_MATCH"}]
    template = standby.one("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    assert template.region == "us-west-2" and template.inputs["prefix"] == "elite-locadora-production"
    assert template.inputs["appliedFors"] == ["REPLICATION"] and template.inputs["imageTagMutability"] == "IMMUTABLE"
    assert template.inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": _key_arn(standby, "keys-storage")}]
    role = standby.one("aws:iam/role:Role", "standby-links-ecr-template-role")
    assert template.inputs["customRoleArn"] == role.outputs["arn"]
    policy = json.loads(standby.one("aws:iam/rolePolicy:RolePolicy", "compute-backend-execution-policy")
                        .inputs["policy"])
    pull = next(s for s in policy["Statement"] if s["Sid"] == "PullOwnImage")
    assert pull["Resource"] == "arn:aws:ecr:us-west-2:123456789012:repository/elite-locadora-production/backend"


def test_the_standby_runs_the_primarys_images_from_its_own_region(standby: StackRun, production: StackRun) -> None:
    shipped = "123456789012.dkr.ecr.us-east-1.amazonaws.com/elite-locadora-production/backend:v42"
    assert replica_image(shipped, "123456789012", "us-east-1", "us-west-2") == (
        "123456789012.dkr.ecr.us-west-2.amazonaws.com/elite-locadora-production/backend:v42")
    public = "public.ecr.aws/nginx/nginx:stable"
    assert replica_image(public, "123456789012", "us-east-1", "us-west-2") == public
    # Each standby container runs what production's runs for the same service, from us-west-2
    # (production's placeholders stay placeholders, with their command).
    def containers(run: StackRun) -> dict[str, dict]:
        return {t.inputs["family"].rsplit("-", 1)[1]: json.loads(t.inputs["containerDefinitions"])[0]
                for t in run.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    mine, theirs = containers(standby), containers(production)
    assert set(mine) == set(theirs) == {"frontend", "backend", "worker"}
    for service, container in mine.items():
        assert container["image"] == replica_image(theirs[service]["image"], "123456789012", "us-east-1",
                                                   "us-west-2"), service
        if container["image"] == PLACEHOLDER_IMAGE:
            assert container["command"] == theirs[service]["command"], service


# --- bad input ----------------------------------------------------------------------------------------

BAD_DR = [
    ({"drMode": "warm"}, ["elite-locadora:drMode", "'warm'", "standby or active"]),
    ({"drMode": ""}, ["elite-locadora:drMode", "standby or active", "standbyFor (production)"]),
    ({"standbyFor": "nowhere"}, ["elite-locadora:standbyFor", "'nowhere'", "Pulumi.nowhere.yaml does not exist",
                                 "production, production-dr, staging"]),
    ({"standbyFor": ""}, ["elite-locadora:standbyFor", "the stack this DR stack protects"]),
    ({"aws:region": "us-east-1"}, ["aws:region", "'us-east-1'", "other than the primary's", "production"]),
    ({"standbyFor": "staging"}, ["elite-locadora:standbyFor", "originFailover: true"]),
    ({"standbyFor": "production-dr"}, ["elite-locadora:standbyFor", "another stack"]),
    ({"originFailover": True}, ["elite-locadora:originFailover", "SECONDARY"]),
    ({"createHostedZone": True}, ["elite-locadora:createHostedZone", "the zone is the primary's"]),
    ({"drActive": {"standbyFor": "staging"}}, ["elite-locadora:drActive", "standbyFor"]),
    ({"drActive": {"dbInstanceClass": "r6g"}, "drMode": "active"},
     ["elite-locadora:dbInstanceClass (as drActive sets it)", "'r6g'"]),
    ({"apiName": "api2.elitelocadora.com"}, ["elite-locadora:apiName", "must equal the primary's"]),
    ({"siteNames": ["www.elitelocadora.com"]}, ["elite-locadora:siteNames", "must equal the primary's"]),
]


@pytest.mark.parametrize(("overrides", "expected"), BAD_DR, ids=[json.dumps(o)[:50] for o, _ in BAD_DR])
def test_bad_dr_config_stops_before_any_resource(overrides: dict, expected: list[str],
                                                 capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack("production-dr", overrides=overrides)
    message = str(caught.value)
    assert "invalid configuration for stack 'production-dr'" in message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from: {message}"
    assert caught.value.registered == []


def test_bad_dr_config_exits_2_on_the_command_line(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "production-dr", "--set", "drMode=warm"]) == cli.EXIT_FAILED
    assert "elite-locadora:drMode" in capsys.readouterr().err


# --- recovery figures ----------------------------------------------------------------------------------

def test_failover_timeline_and_cost_are_computed(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["timeline", "--stack", "production-dr", "--change", "drMode=active"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "data-mysql" in out and "PromoteReadReplica" in out and "critical path" in out
    assert "writes accepted" in out and "RPO database" in out and "300 s" in out
    from elite_policies.pricing.cost import estimate

    standby_cost = estimate(stack_run("production-dr")).total
    active_cost = estimate(run_stack("production-dr", overrides={"drMode": "active"})).total
    assert 0 < standby_cost < active_cost


def test_recovery_figures_come_from_the_program_and_the_estimates_data(standby: StackRun) -> None:
    from components.observability import ORIGIN_FAILOVER_PERIODS, ORIGIN_HEALTH_PERIOD
    from preflight.reports.estimates import recovery_times, update_times
    from preflight.reports.estimates.recovery import recovery, recovery_lines

    figures = recovery("production-dr", standby)
    alarm = stack_run("production").one("aws:cloudwatch/metricAlarm:MetricAlarm",
                                        "observability-backend-no-healthy-hosts")
    assert figures.detection_seconds == alarm.inputs["period"] * alarm.inputs["evaluationPeriods"] == (
        ORIGIN_HEALTH_PERIOD * ORIGIN_FAILOVER_PERIODS)
    assert figures.dns_seconds == recovery_times()["dns-failover"]["seconds"]
    assert figures.writable_seconds == update_times()["rds-promote"]["seconds"] < figures.capacity_seconds
    assert figures.replica_lag_seconds == setting("production-dr", "alarmReplicaLagSeconds")
    assert figures.assets_seconds == 60 * standby.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig") \
        .inputs["rules"][0]["destination"]["replicationTime"]["time"]["minutes"]
    assert "data-mysql" in [s.name for s in figures.plan.timeline.critical_path]
    assert figures.standby_usd < figures.active_usd
    assert all(entry["source"] for entry in recovery_times().values())
    assert len(recovery_lines(figures)) == 7
