"""What the program itself now carries for a security reviewer (FSBP and the pack's guardrails):
asserted on the inputs it registers, per stack."""

from __future__ import annotations

import json

import pytest

from preflight.engine.runner import Registration, StackRun

from .conftest import setting, stack_run

BUCKET = "aws:s3/bucket:Bucket"


def _pointing_at(run: StackRun, token: str, prop: str, target: Registration) -> list[Registration]:
    return [r for r in run.of_type(token) if target.urn in r.property_dependencies.get(prop, [])]


@pytest.mark.parametrize("stack", ["staging", "production", "production-dr"])
def test_every_bucket_but_the_log_buckets_logs_access_and_every_bucket_aborts_uploads(stack: str) -> None:
    run = stack_run(stack)
    buckets = run.of_type(BUCKET)
    assert len(buckets) >= 2
    for bucket in buckets:
        logging = _pointing_at(run, "aws:s3/bucketLogging:BucketLogging", "bucket", bucket)
        is_log_bucket = bucket.inputs["tags"].get("DataClassification") == "logs"
        assert bool(logging) != is_log_bucket, bucket.name
        (lifecycle,) = _pointing_at(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                                    "bucket", bucket)
        aborting = [r for r in lifecycle.inputs["rules"] if r.get("abortIncompleteMultipartUpload")]
        assert aborting and aborting[0]["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7, bucket.name


def test_the_dr_assets_replica_logs_to_a_log_bucket_in_its_own_region() -> None:
    run = stack_run("production-dr")
    replica = run.one(BUCKET, "assets")
    assert replica.inputs["tags"]["ReplicaOf"] == "assets"
    (logging,) = _pointing_at(run, "aws:s3/bucketLogging:BucketLogging", "bucket", replica)
    target = run.one(BUCKET, "logs")
    assert logging.inputs["targetBucket"] == target.outputs["bucket"]
    assert replica.region == target.region == "us-west-2"


@pytest.mark.parametrize(("stack", "count"), [("production", 2), ("production-dr", 1)])
def test_every_rds_instance_exports_logs_in_its_region_and_accepts_iam_auth(stack: str, count: int) -> None:
    run = stack_run(stack)
    instances = run.of_type("aws:rds/instance:Instance")
    assert len(instances) == count
    for db in instances:
        assert db.inputs["enabledCloudwatchLogsExports"] == ["error", "slowquery"], db.name
        assert db.inputs["iamDatabaseAuthenticationEnabled"] is True, db.name
        groups = {g.inputs["name"]: g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")}
        for kind in ("error", "slowquery"):
            group = groups[f"/aws/rds/instance/{db.inputs['identifier']}/{kind}"]
            assert group.region == db.region, (db.name, kind)
            assert group.inputs["kmsKeyId"].split(":")[3] == db.region


def test_opensearch_has_dedicated_masters_logs_and_updates_in_production() -> None:
    run = stack_run("production")
    domain = run.one("aws:opensearch/domain:Domain").inputs
    cluster = domain["clusterConfig"]
    assert cluster["dedicatedMasterEnabled"] is True and cluster["dedicatedMasterCount"] == 3
    assert cluster["dedicatedMasterType"].endswith(".search")
    assert domain["softwareUpdateOptions"] == {"autoSoftwareUpdateEnabled": True}
    published = {o["logType"]: o for o in domain["logPublishingOptions"]}
    assert set(published) == {"ES_APPLICATION_LOGS", "AUDIT_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS"}
    groups = {g.outputs["arn"]: g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")}
    logs_key = run.one("aws:kms/key:Key", "keys-logs").outputs["arn"]
    for option in published.values():
        assert option["enabled"] is True and groups[option["cloudwatchLogGroupArn"]].inputs["kmsKeyId"] == logs_key
    policy = json.loads(run.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy").inputs["policyDocument"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "es.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":domain/elite-logs-production")


@pytest.mark.parametrize("stack", ["production", "production-dr"])
def test_rds_events_reach_on_call_in_each_region(stack: str) -> None:
    run = stack_run(stack)
    topics = {t.outputs["arn"]: t for t in run.of_type("aws:sns/topic:Topic")}
    subscriptions = run.of_type("aws:rds/eventSubscription:EventSubscription")
    by_region: dict[str, set[str]] = {}
    for sub in subscriptions:
        assert topics[sub.inputs["snsTopic"]].region == sub.region
        by_region.setdefault(sub.region, set()).add(sub.inputs["sourceType"])
        if sub.inputs["sourceType"] == "db-instance":
            assert {"failure", "maintenance", "configuration change", "failover",
                    "read replica"} <= set(sub.inputs["eventCategories"])
    # Each stack subscribes in its own region: production in us-east-1, its standby in us-west-2.
    assert by_region == {setting(stack, "aws:region"): {"db-instance", "db-parameter-group"}}
    policy = json.loads(run.one("aws:sns/topicPolicy:TopicPolicy", "observability-alarms-policy").inputs["policy"])
    rds = next(s for s in policy["Statement"] if s["Sid"] == "RdsEventsPublish")
    assert rds["Principal"] == {"Service": "events.rds.amazonaws.com"}
    assert rds["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


@pytest.mark.parametrize("stack", ["staging", "production", "production-dr"])
def test_no_iam_policy_of_the_program_allows_a_wildcard_or_passes_any_role(stack: str) -> None:
    run = stack_run(stack)
    unscoped = {"ecr:GetAuthorizationToken", "logs:DescribeLogGroups"} | {
        f"ec2:{a}" for a in ("DescribeVpcs", "DescribeVpcAttribute", "DescribeSubnets", "DescribeSecurityGroups",
                             "DescribeNetworkInterfaces", "CreateNetworkInterface", "CreateNetworkInterfacePermission",
                             "DeleteNetworkInterface")}
    for policy in run.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions), (policy.name, actions)
            if statement["Resource"] == "*":
                assert set(actions) <= unscoped, (policy.name, actions)


def test_cloudfront_names_a_default_root_object_and_reaches_s3_through_oac() -> None:
    run = stack_run("production")
    distribution = run.one("aws:cloudfront/distribution:Distribution").inputs
    assert distribution["defaultRootObject"] == "index.html"
    s3 = [o for o in distribution["origins"] if ".s3." in o["domainName"]]
    assert s3 and all(o["originAccessControlId"] for o in s3)
