"""Data tier: RDS, replicas, Redis, buckets and SSM parameters on the registered resources."""

from __future__ import annotations

import json

import pytest

from preflight.engine.runner import ProgramError, StackRun, run_stack

from .conftest import environment_of, stack_run

RDS = "aws:rds/instance:Instance"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
PARAM = "aws:ssm/parameter:Parameter"


def _primary(run: StackRun):
    return run.one(RDS, "data-mysql")


def _key_arn(run: StackRun, name: str) -> str:
    return run.one("aws:kms/key:Key", name).outputs["arn"]


@pytest.mark.parametrize(("stack", "klass", "retention"), [
    ("staging", "db.t4g.medium", 7), ("production", "db.r6g.xlarge", 30)])
def test_mysql_primary_settings(stack: str, klass: str, retention: int) -> None:
    run = stack_run(stack)
    db = _primary(run).inputs
    assert (db["engine"], db["engineVersion"], db["instanceClass"]) == ("mysql", "8.4", klass)
    assert db["multiAz"] is True and db["storageType"] == "gp3" and db["allocatedStorage"] == 100
    assert db["maxAllocatedStorage"] >= db["allocatedStorage"], "storage autoscaling needs a ceiling"
    assert db["storageEncrypted"] is True and db["kmsKeyId"] == _key_arn(run, "keys-database")
    assert db["backupRetentionPeriod"] == retention and db["backupWindow"] == "03:00-04:00"
    assert db["maintenanceWindow"] == "sun:04:30-sun:05:30"
    assert db["copyTagsToSnapshot"] is True and db["deletionProtection"] is True
    assert db["skipFinalSnapshot"] is False and db["finalSnapshotIdentifier"].endswith("-final")
    assert db["performanceInsightsEnabled"] is True
    assert db["performanceInsightsKmsKeyId"] == _key_arn(run, "keys-database")
    assert db["monitoringInterval"] == 60 and db["monitoringRoleArn"] == run.one(
        "aws:iam/role:Role", "data-rds-monitoring-role").outputs["arn"]
    assert db["enabledCloudwatchLogsExports"] == ["error", "slowquery"]
    assert db["publiclyAccessible"] is False
    assert "password" in _primary(run).secret_inputs, "the master password must travel as a secret"


def test_database_insights_mode_follows_config(staging: StackRun, production: StackRun) -> None:
    assert _primary(staging).inputs["databaseInsightsMode"] == "standard"
    assert _primary(production).inputs["databaseInsightsMode"] == "standard"
    advanced = _primary(run_stack("production", overrides={
        "dbInsightsMode": "advanced", "dbPerformanceInsightsRetentionDays": 465})).inputs
    assert advanced["databaseInsightsMode"] == "advanced"
    assert advanced["performanceInsightsRetentionPeriod"] == 465


def test_insights_mode_is_per_instance() -> None:
    replicas = [{"name": "replica-use1", "region": "us-east-1", "availabilityZone": "us-east-1b",
                 "instanceClass": "db.r6g.large", "insightsMode": "advanced"}]
    run = run_stack("production", overrides={"readReplicas": replicas, "dbPerformanceInsightsRetentionDays": 465})
    modes = {r.name: (r.inputs["databaseInsightsMode"], r.inputs["performanceInsightsRetentionPeriod"])
             for r in run.of_type(RDS)}
    assert modes == {"data-mysql": ("standard", 465), "data-replica-use1": ("advanced", 465)}


def test_production_stateful_resources_are_protected(production: StackRun, staging: StackRun) -> None:
    for token in (RDS, REDIS, "aws:s3/bucket:Bucket", "aws:kms/key:Key"):
        assert all(r.protect for r in production.of_type(token)), f"production {token} unprotected"
        assert not any(r.protect for r in staging.of_type(token)), f"staging {token} is configured unprotected"


def test_slow_creates_get_generous_timeouts(production: StackRun) -> None:
    for reg in production.of_type(RDS) + production.of_type(REDIS):
        assert reg.custom_timeouts.get("create") == "90m", f"{reg.urn}: {reg.custom_timeouts}"


def test_parameter_group_carries_the_guide_parameters_and_tls(any_stack: StackRun) -> None:
    group = any_stack.one("aws:rds/parameterGroup:ParameterGroup", "data-mysql-params").inputs
    assert group["family"] == "mysql8.4"
    params = {p["name"]: p["value"] for p in group["parameters"]}
    assert params == {
        "innodb_buffer_pool_size": "{DBInstanceClassMemory*3/4}", "max_connections": "1000",
        "slow_query_log": "1", "long_query_time": "2", "log_queries_not_using_indexes": "1",
        "log_output": "FILE", "require_secure_transport": "1"}
    assert _primary(any_stack).inputs["parameterGroupName"] == any_stack.one(
        "aws:rds/parameterGroup:ParameterGroup", "data-mysql-params").outputs["name"]


def test_database_lives_in_isolated_subnets_behind_an_app_only_group(any_stack: StackRun) -> None:
    subnet_group = any_stack.one("aws:rds/subnetGroup:SubnetGroup", "data-mysql-subnets")
    isolated = {s.id for s in any_stack.of_type("aws:ec2/subnet:Subnet")
                if s.inputs["tags"]["Tier"] == "isolated" and s.name.startswith("network-")}
    assert set(subnet_group.inputs["subnetIds"]) == isolated
    app_group = any_stack.one("aws:ec2/securityGroup:SecurityGroup", "network-app-sg").id
    for label, port in (("mysql", 3306), ("redis", 6379)):
        group = any_stack.one("aws:ec2/securityGroup:SecurityGroup", f"data-{label}-sg")
        rules = [r for r in any_stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                 if r.inputs["securityGroupId"] == group.id]
        assert len(rules) == 1, f"{label}: {[r.name for r in rules]}"
        rule = rules[0].inputs
        assert (rule["fromPort"], rule["toPort"]) == (port, port)
        assert rule["referencedSecurityGroupId"] == app_group and "cidrIpv4" not in rule


def test_read_replicas_follow_the_guide(production: StackRun, staging: StackRun) -> None:
    assert [r.name for r in staging.of_type(RDS)] == ["data-mysql"]
    local = production.one(RDS, "data-replica-use1")
    assert local.inputs["replicateSourceDb"] == _primary(production).outputs["identifier"]
    assert local.inputs["availabilityZone"] == "us-east-1b" and local.inputs["instanceClass"] == "db.r6g.large"
    assert local.provider.split("::")[-2] == "primary"
    assert local.inputs["storageEncrypted"] is True and local.inputs["publiclyAccessible"] is False
    assert local.inputs["vpcSecurityGroupIds"] == _primary(production).inputs["vpcSecurityGroupIds"]
    # The guide's us-west-2 replica is the production-dr stack's database (test_disaster_recovery).
    assert {r.region for r in production.resources if r.custom} <= {"us-east-1", None}


@pytest.mark.parametrize(("stack", "nodes", "node_type"), [
    ("staging", 2, "cache.t4g.small"), ("production", 3, "cache.r6g.large")])
def test_redis_replication_group(stack: str, nodes: int, node_type: str) -> None:
    run = stack_run(stack)
    redis = run.one(REDIS)
    r = redis.inputs
    assert (r["engine"], r["engineVersion"], r["nodeType"], r["numCacheClusters"]) == ("valkey", "8.0", node_type,
                                                                                         nodes)
    assert r["automaticFailoverEnabled"] is True and r["multiAzEnabled"] is True
    assert r["atRestEncryptionEnabled"] is True and r["kmsKeyId"] == _key_arn(run, "keys-database")
    assert r["transitEncryptionEnabled"] is True and r["transitEncryptionMode"] == "required"
    assert "authToken" in redis.secret_inputs
    assert (r["snapshotRetentionLimit"], r["snapshotWindow"], r["maintenanceWindow"]) == (
        7, "03:00-05:00", "sun:05:00-sun:06:00")
    assert r["logDeliveryConfigurations"][0]["logType"] == "slow-log"
    params = run.one("aws:elasticache/parameterGroup:ParameterGroup").inputs
    assert params["family"] == "valkey8"
    assert {p["name"]: p["value"] for p in params["parameters"]} == {
        "maxmemory-policy": "allkeys-lru", "timeout": "300", "tcp-keepalive": "60"}


def test_redis_auth_token_uses_only_characters_elasticache_accepts(any_stack: StackRun) -> None:
    token = any_stack.one("random:index/randomPassword:RandomPassword", "data-redis-auth-token")
    assert set(token.inputs["overrideSpecial"]) <= set("!&#$^<>-")
    assert 16 <= token.inputs["length"] <= 128
    result = token.outputs["result"]
    assert all(c.isalnum() or c in "!&#$^<>-" for c in result), result


def _bucket_parts(run: StackRun, bucket: str) -> dict[str, dict]:
    prefix = f"{bucket}-"
    return {r.type.split(":")[-1]: r.inputs for r in run.resources
            if r.name == bucket or (r.name.startswith(prefix) and r.name[len(prefix):] in (
                "ownership", "public-access-block", "versioning", "encryption", "lifecycle",
                "access-logging", "policy"))}


def test_assets_bucket_controls(any_stack: StackRun) -> None:
    parts = _bucket_parts(any_stack, "assets")
    assert parts["BucketOwnershipControls"]["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    block = parts["BucketPublicAccessBlock"]
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                          "restrictPublicBuckets"))
    assert parts["BucketVersioning"]["versioningConfiguration"]["status"] == "Enabled"
    rule = parts["BucketServerSideEncryptionConfiguration"]["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": _key_arn(any_stack, "keys-storage")}
    assert rule["bucketKeyEnabled"] is True
    logs_bucket = any_stack.one("aws:s3/bucket:Bucket", "logs").outputs["bucket"]
    assert parts["BucketLogging"]["targetBucket"] == logs_bucket


def test_assets_lifecycle_moves_backups_to_cold_storage(any_stack: StackRun) -> None:
    rules = {r["id"]: r for r in _bucket_parts(any_stack, "assets")["BucketLifecycleConfiguration"]["rules"]}
    backups = rules["backups-to-cold-storage"]
    assert backups["filter"] == {"prefix": "backups/"}
    assert [(t["days"], t["storageClass"]) for t in backups["transitions"]] == [
        (30, "STANDARD_IA"), (90, "GLACIER")]
    assert backups["expiration"]["days"] == 2555
    assert rules["expire-old-versions"]["noncurrentVersionExpiration"]["noncurrentDays"] == 90


def test_bucket_policies_deny_plain_http(any_stack: StackRun) -> None:
    for bucket in ("assets", "logs"):
        policy = json.loads(_bucket_parts(any_stack, bucket)["BucketPolicy"]["policy"])
        deny = next(s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport")
        assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        arn = any_stack.one("aws:s3/bucket:Bucket", bucket).outputs["arn"]
        assert set(deny["Resource"]) == {arn, arn + "/*"}
        allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
        assert all(s["Principal"] != "*" for s in allows), f"{bucket}: public grant {allows}"


def test_no_bucket_of_a_primary_or_staging_stack_replicates_itself(staging: StackRun, production: StackRun) -> None:
    # Replication into the DR region is the DR stack's (StandbyLinks): a primary never depends on it.
    for run in (staging, production):
        assert run.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig") == []


def test_ssm_parameters(any_stack: StackRun) -> None:
    params = {p.inputs["name"]: p for p in any_stack.of_type(PARAM)}
    env = environment_of(any_stack.stack)  # a DR stack's parameters carry its primary's names
    expected = {f"/elite-locadora/{env}/{p}" for p in (
        "database/url", "database/password", "app/jwt-secret", "cache/auth-token",
        "payments/stripe-secret", "stripe/public-key")}
    assert set(params) == expected
    for name, param in params.items():
        assert param.inputs["type"] == "SecureString", name
        assert param.inputs["keyId"] == _key_arn(any_stack, "keys-secrets"), name
        assert "value" in param.secret_inputs, f"{name}: value must stay a secret Output"
    url = params[f"/elite-locadora/{env}/database/url"].inputs["value"]
    address = _primary(any_stack).outputs["address"]
    assert url.startswith("mysql://elite_admin:") and url.endswith(f"@{address}:3306/elite_locadora")


def _secret_values(run: StackRun) -> list[str]:
    values = [r.outputs["result"] for r in run.of_type("random:index/randomPassword:RandomPassword")]
    return [v for v in values if len(v) >= 16]


def test_no_secret_in_plaintext_inputs_or_outputs(any_stack: StackRun) -> None:
    # Database password, cache token, JWT secret, CloudFront origin header; a DR stack generates
    # only its cache token and receives the rest from its primary.
    environment = environment_of(any_stack.stack)
    secrets = _secret_values(any_stack)
    if environment != any_stack.stack:
        assert len(secrets) == 1
        secrets += _secret_values(stack_run(environment))
    assert len(set(secrets)) == 4
    for reg in any_stack.resources:
        for key, value in reg.inputs.items():
            if key in reg.secret_inputs or reg.type.startswith("random:"):
                continue
            text = json.dumps(value, default=str)
            leaked = [s[:4] + "…" for s in secrets if s in text]
            assert not leaked, f"{reg.urn} input {key!r} carries a generated secret in plaintext"
    plain = {k: v for k, v in any_stack.exports.items() if k not in any_stack.secret_exports}
    exported = json.dumps(plain, default=str)
    assert not [s for s in secrets if s in exported], "a plain stack output carries a generated secret"
    carried = json.dumps({k: any_stack.exports[k] for k in any_stack.secret_exports}, default=str)
    assert any_stack.secret_exports == ({"standbySecrets"} if any(s in carried for s in secrets) else set())


def test_supplied_secrets_reach_ssm_as_secrets_in_production() -> None:
    run = run_stack("production", overrides={"stripeSecretKey": "sk_test_offline"})
    stripe = next(p for p in run.of_type(PARAM) if p.inputs["name"].endswith("payments/stripe-secret"))
    assert stripe.inputs["value"] == "sk_test_offline" and "value" in stripe.secret_inputs


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"readReplicas": [{"name": "dr", "region": "us-west-2", "availabilityZone": "us-west-2a",
                        "instanceClass": "db.r6g.large"}]},
     "another region's copy is a DR stack (standbyFor"),
    ({"dbBackupRetentionDays": 40}, "elite-locadora:dbBackupRetentionDays = 40"),
    ({"dbMaintenanceWindow": "sun:03:00-sun:03:30"}, "does not overlap dbBackupWindow"),
    ({"readReplicas": [{"name": "x", "region": "us-east-1", "availabilityZone": "us-west-2a",
                        "instanceClass": "db.r6g.large"}]}, "is not a zone of us-east-1"),
])
def test_data_misconfiguration_fails_clearly(overrides: dict, expected: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack("production", overrides=overrides)
    assert expected in str(caught.value), str(caught.value)
    assert caught.value.registered == []
