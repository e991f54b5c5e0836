"""The account baseline (baseline/): what each account gets, read from the registered inputs and
held against the platform stacks it hosts; bad stack config stops it before any resource exists."""

from __future__ import annotations

import json

import pytest

from preflight import cli
from preflight.engine.mocks import ACCOUNT_ID
from preflight.engine.runner import ProgramError, StackRun, run_stack
from tests.conftest import BASELINE_DIR, stack_run

pytestmark = pytest.mark.stacks

TRAIL = "aws:cloudtrail/trail:Trail"


def _assets_bucket(stack: str) -> str:
    """The assets bucket name the platform stack itself registers."""
    return stack_run(stack).one("aws:s3/bucket:Bucket", "assets").inputs["bucket"]


def _by_region(run: StackRun, token: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for reg in run.of_type(token):
        found.setdefault(reg.region, []).append(reg)
    return found


def test_the_trail_records_every_region_and_each_hosted_stacks_documents() -> None:
    run = stack_run("account-production")
    trail = run.one(TRAIL).inputs
    assert trail["isMultiRegionTrail"] and trail["includeGlobalServiceEvents"] and trail["enableLogFileValidation"]
    key = run.one("aws:kms/key:Key", "audit-keys-audit")
    assert key.urn in run.one(TRAIL).property_dependencies["kmsKeyId"]
    (documents,) = [s for s in trail["advancedEventSelectors"] if s["name"] == "Customer documents"]
    arns = next(f for f in documents["fieldSelectors"] if f["field"] == "resources.ARN")["startsWiths"]
    assert sorted(arns) == sorted(f"arn:aws:s3:::{_assets_bucket(s)}/customers/" for s in ("production",
                                                                                            "production-dr"))
    assert not [f for f in documents["fieldSelectors"] if f["field"] == "readOnly"]  # reads and writes
    group = run.one("aws:cloudwatch/logGroup:LogGroup", "trail-log-group")
    assert group.inputs["retentionInDays"] >= 365 and group.protect


def test_the_audit_bucket_is_write_once_logged_and_kept_a_year_at_least() -> None:
    for stack, mode in (("account-production", "COMPLIANCE"), ("account-staging", "GOVERNANCE")):
        run = stack_run(stack)
        bucket = run.one("aws:s3/bucket:Bucket", "audit-logs")
        assert bucket.inputs["objectLockEnabled"] is True and bucket.protect
        lock = run.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").inputs
        assert lock["rule"]["defaultRetention"] == {"mode": mode, "days": 365}
        (rule,) = run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                          "audit-logs-lifecycle").inputs["rules"][:1]
        assert rule["transitions"] == [{"days": 90, "storageClass": "GLACIER_IR"}]
        assert rule["expiration"]["days"] >= 365
        logging = run.one("aws:s3/bucketLogging:BucketLogging", "audit-logs-access-logging").inputs
        assert logging["targetPrefix"] == "s3/audit-logs/"
        policy = json.loads(run.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy").inputs["policy"])
        writes = {s["Sid"]: s for s in policy["Statement"]}
        assert writes["CloudTrailWrites"]["Condition"]["StringEquals"]["aws:SourceArn"].endswith(
            ":trail/elite-locadora-account-trail")


@pytest.mark.parametrize(("stack", "regions"), [("account-production", {"us-east-1", "us-west-2"}),
                                                ("account-staging", {"us-east-1"})])
def test_every_region_gets_every_regional_service(stack: str, regions: set[str]) -> None:
    run = stack_run(stack)
    for token in ("aws:cfg/recorder:Recorder", "aws:cfg/deliveryChannel:DeliveryChannel",
                  "aws:guardduty/detector:Detector", "aws:securityhub/account:Account", "aws:macie2/account:Account",
                  "aws:ebs/encryptionByDefault:EncryptionByDefault", "aws:sns/topic:Topic"):
        assert set(_by_region(run, token)) == regions, token
    standards = _by_region(run, "aws:securityhub/standardsSubscription:StandardsSubscription")
    for region, subscriptions in standards.items():
        assert sorted(s.inputs["standardsArn"] for s in subscriptions) == sorted(
            f"arn:aws:securityhub:{region}::standards/{p}" for p in (
                "aws-foundational-security-best-practices/v/1.0.0", "cis-aws-foundations-benchmark/v/3.0.0",
                "pci-dss/v/4.0.1"))
    features = {(f.region, f.inputs["name"]) for f in run.of_type("aws:guardduty/detectorFeature:DetectorFeature")}
    assert features == {(r, n) for r in regions for n in ("S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "RUNTIME_MONITORING")}
    recorders = run.of_type("aws:cfg/recorder:Recorder")
    assert [r.inputs["recordingGroup"]["includeGlobalResourceTypes"] for r in recorders].count(True) == 1
    sources = {json.loads(r.inputs["eventPattern"])["source"][0] for r in run.of_type(
        "aws:cloudwatch/eventRule:EventRule")}
    assert sources == {"aws.guardduty", "aws.securityhub", "aws.macie"}


def test_macie_scans_each_regions_documents_on_a_schedule() -> None:
    run = stack_run("account-production")
    jobs = {j.region: j.inputs for j in run.of_type("aws:macie2/classificationJob:ClassificationJob")}
    for region, stack in (("us-east-1", "production"), ("us-west-2", "production-dr")):
        job = jobs[region]
        assert job["jobType"] == "SCHEDULED" and job["scheduleFrequency"] == {"weeklySchedule": "MONDAY"}
        (definition,) = job["s3JobDefinition"]["bucketDefinitions"]
        assert definition["buckets"] == [_assets_bucket(stack)]
        (term,) = job["s3JobDefinition"]["scoping"]["includes"]["ands"]
        assert term["simpleScopeTerm"] == {"comparator": "STARTS_WITH", "key": "OBJECT_KEY", "values": ["customers/"]}


@pytest.mark.parametrize("stack", ["production", "production-dr", "staging"])
def test_the_platform_storage_key_lets_macie_read_the_documents_through_s3(stack: str) -> None:
    key = stack_run(stack).one("aws:kms/key:Key", "keys-storage")
    statements = json.loads(key.inputs["policy"])["Statement"]
    (statement,) = [s for s in statements if s["Sid"] == "MacieReadsObjectsThroughS3"]
    assert statement["Action"] in ("kms:Decrypt", ["kms:Decrypt"])
    assert statement["Principal"]["AWS"] == [f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/macie.amazonaws.com/"
                                             "AWSServiceRoleForAmazonMacie"] or statement["Principal"]["AWS"] == \
        f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie"
    assert statement["Condition"]["StringEquals"]["kms:ViaService"].startswith("s3.")
    off = run_stack(stack, preview=False, overrides={"macieReadsDocuments": False})
    sids = [s["Sid"] for s in json.loads(off.one("aws:kms/key:Key", "keys-storage").inputs["policy"])["Statement"]]
    assert "MacieReadsObjectsThroughS3" not in sids


def test_cis_section_4_filters_watch_the_trail_and_page_the_home_topic() -> None:
    run = stack_run("account-production")
    group = run.one("aws:cloudwatch/logGroup:LogGroup", "trail-log-group")
    filters = run.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    assert len(filters) == 15 and all(group.urn in f.property_dependencies["logGroupName"] for f in filters)
    alarms = {(a.inputs["namespace"], a.inputs["metricName"]): a for a in run.of_type(
        "aws:cloudwatch/metricAlarm:MetricAlarm")}
    home_topic = next(t for t in run.of_type("aws:sns/topic:Topic") if t.region == "us-east-1")
    for f in filters:
        metric = f.inputs["metricTransformation"]
        alarm = alarms[(metric["namespace"], metric["name"])]
        assert home_topic.urn in alarm.property_dependencies["alarmActions"] and alarm.inputs["threshold"] == 1
    root = next(f for f in filters if "root" in f.name).inputs["pattern"]
    assert '$.userIdentity.type = "Root"' in root and "AwsServiceEvent" in root


def test_the_password_policy_and_account_block_meet_cis() -> None:
    run = stack_run("account-staging")
    policy = run.one("aws:iam/accountPasswordPolicy:AccountPasswordPolicy").inputs
    assert policy["minimumPasswordLength"] >= 14 and policy["passwordReusePrevention"] >= 24
    assert 0 < policy["maxPasswordAge"] <= 90
    block = run.one("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock").inputs
    assert all(block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                  "restrictPublicBuckets"))
    contact = run.one("aws:account/alternativeContact:AlternativeContact").inputs
    assert contact["alternateContactType"] == "SECURITY" and "@" in contact["emailAddress"]


@pytest.mark.parametrize(("overrides", "fragments"), [
    ({"regions": ["us-west-2"]}, ["elite-locadora-baseline:regions", "must include the home region"]),
    ({"platformStacks": ["qa"]}, ["elite-locadora-baseline:platformStacks[0]", "'qa'", "one of: production"]),
    ({"trailLogRetentionDays": 90}, ["elite-locadora-baseline:trailLogRetentionDays = 90", "at least 365 days"]),
    ({"trailObjectLockDays": 800}, ["trailObjectLockDays = 800", "must not exceed trailArchiveDays (400)"]),
    ({"macieSchedule": "HOURLY"}, ["elite-locadora-baseline:macieSchedule = 'HOURLY'", "'DAILY', 'WEEKLY'"]),
    ({"securityEmails": ["on-call"]}, ["elite-locadora-baseline:securityEmails[0]", "email"]),
    ({"securityContact": {"name": "x", "title": "y", "email": "s@example.com", "phone": "call me"}},
     ["elite-locadora-baseline:securityContact.phone"]),
    ({"macieSchedlue": "DAILY"}, ["unknown key(s) elite-locadora-baseline:macieSchedlue"]),
])
def test_bad_baseline_config_stops_before_any_resource(overrides: dict, fragments: list[str]) -> None:
    with pytest.raises(ProgramError) as failure:
        run_stack("account-staging", project_dir=BASELINE_DIR, overrides=overrides)
    message = str(failure.value)
    assert all(f in message for f in fragments), message
    assert failure.value.registered == []


def test_the_cli_refuses_a_bad_baseline_value_with_exit_2(capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["preview", "--stack", "account-production", "--project-dir", str(BASELINE_DIR),
                     "--set", "trailObjectLockMode=FOREVER"])
    assert code == cli.EXIT_FAILED
    assert "trailObjectLockMode = 'FOREVER': Input should be 'GOVERNANCE' or 'COMPLIANCE'" in capsys.readouterr().err


@pytest.mark.parametrize("stack", ["account-production", "account-staging"])
def test_the_baseline_previews_clean_and_is_priced_whole(stack: str) -> None:
    from elite_policies.pricing.cost import estimate

    assert cli.main(["preview", "--stack", stack, "--project-dir", str(BASELINE_DIR)]) == cli.EXIT_OK
    report = estimate(stack_run(stack))
    assert report.unpriced == [] and 50 < report.total < 400


@pytest.mark.parametrize(("stack", "registry"), [("production", "593207742271"), ("production-dr", "733349766148")])
def test_every_task_can_pull_guardduty_runtime_monitorings_agent(stack: str, registry: str) -> None:
    """Runtime Monitoring adds its agent to each Fargate task; the execution role pulls it, and the
    workload boundary (bootstrap) lets it."""
    run = stack_run(stack)
    region = "us-east-1" if stack == "production" else "us-west-2"
    agent = f"arn:aws:ecr:{region}:{registry}:repository/aws-guardduty-agent-fargate"
    policies = [json.loads(p.inputs["policy"]) for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
                if p.name.endswith("-execution-policy")]
    assert len(policies) == 3
    for policy in policies:
        (pull,) = [s for s in policy["Statement"] if s["Sid"] == "PullGuardDutyAgent"]
        assert pull["Resource"] in (agent, [agent]) and "ecr:BatchGetImage" in pull["Action"]
    boundary = json.loads(run_stack("admin", project_dir=cli.PROJECT_DIR / "bootstrap").one(
        "aws:iam/policy:Policy", "workload-boundary").inputs["policy"])
    (allowed,) = [s for s in boundary["Statement"] if s["Sid"] == "GuardDutyAgentImages"]
    assert agent in allowed["Resource"]
