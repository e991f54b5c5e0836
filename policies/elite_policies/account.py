"""The account baseline (baseline/): the trail, Config, GuardDuty, Security Hub, Access Analyzer,
Macie, EBS default encryption, the account's S3 public access block and password policy, and the
CIS section-4 alarms. Each rule names the FSBP control and the CIS AWS Foundations v3.0.0 and PCI
DSS v4.0.1 requirements it implements; the compliance report reads those ids.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity
from pulumi_policy.proxy import UnknownValueError

from . import _types as t
from ._framework import (
    UNKNOWN,
    Setting,
    as_list,
    depends_on,
    get,
    has_unknown,
    known,
    number,
    of_type,
    plain,
    resource_rule,
    stack_rule,
)

TRAIL = "aws:cloudtrail/trail:Trail"
RECORDER = "aws:cfg/recorder:Recorder"
RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
DELIVERY_CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
DETECTOR = "aws:guardduty/detector:Detector"
DETECTOR_FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
HUB = "aws:securityhub/account:Account"
STANDARD = "aws:securityhub/standardsSubscription:StandardsSubscription"
ANALYZER = "aws:accessanalyzer/analyzer:Analyzer"
MACIE = "aws:macie2/account:Account"
MACIE_JOB = "aws:macie2/classificationJob:ClassificationJob"
EBS_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
ACCOUNT_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
PASSWORD_POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"  # noqa: S105 - a type token
METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
CONTACT = "aws:account/alternativeContact:AlternativeContact"


DEFAULT_REGION = "the default provider's region"


def region_of(resource: PolicyResource) -> str:
    """The resource's region: its own `region` input (pulumi_aws v7), else its provider's (the
    default provider's props do not reach the pack: its resources share one name for it)."""
    try:
        own = resource.props.get("region")
        if own:
            return str(own)
        provider = resource.provider
        return str(provider.props["region"]) if provider is not None and "region" in provider.props \
            else DEFAULT_REGION
    except UnknownValueError:
        return "?"


# --- CloudTrail ---------------------------------------------------------------------------------


def _selectors(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in as_list(get(props, "advancedEventSelectors")) if isinstance(s, Mapping)]


def _fields(selector: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(f.get("field")): f for f in as_list(get(selector, "fieldSelectors")) if isinstance(f, Mapping)}


def _both_reads_and_writes(fields: Mapping[str, Mapping[str, Any]]) -> bool:
    return "readOnly" not in fields  # a readOnly selector keeps only reads or only writes


def _management_events(props: Mapping[str, Any]) -> bool:
    for selector in _selectors(props):
        fields = _fields(selector)
        if "Management" in as_list(get(fields.get("eventCategory", {}), "equals")) and _both_reads_and_writes(fields) \
                and "eventSource" not in fields:
            return True
    basic = [s for s in as_list(get(props, "eventSelectors")) if isinstance(s, Mapping)]
    if basic:
        return any(get(s, "includeManagementEvents") is not False and get(s, "readWriteType") in (None, "All")
                   for s in basic)
    return not _selectors(props)  # no selectors at all: CloudTrail's default is every management event


@resource_rule("cloudtrail-multi-region-management-events", family="guardrails", types=[TRAIL],
               control=("CloudTrail.1", "CloudTrail.3"), severity=Severity.HIGH,
               refs=("pci-dss-4.0.1:10.2.1.4", "cis-aws-3.0:3.1", "pci-dss-4.0.1:10.2.1", "pci-dss-4.0.1:10.2.1.2",
                     "pci-dss-4.0.1:10.2.1.5", "pci-dss-4.0.1:10.2.1.6", "pci-dss-4.0.1:10.2.1.7"),
               description="Checks whether a trail is logging, covers every region and the global services, and "
                           "records every management event, reads and writes.",
               message="Set is_multi_region_trail and include_global_service_events, keep enable_logging, and "
                       "select eventCategory = Management without a readOnly or eventSource filter")
def trail_coverage(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if get(props, "isMultiRegionTrail") is not True:
        yield "one region only"
    if get(props, "includeGlobalServiceEvents") is False:
        yield "global service events (IAM, STS) left out"
    if get(props, "enableLogging") is False:
        yield "logging stopped"
    if not _management_events(props):
        yield "not every management event is recorded"


@resource_rule("cloudtrail-encrypted-and-validated", family="encryption", types=[TRAIL],
               control=("CloudTrail.2", "CloudTrail.4"), severity=Severity.HIGH,
               refs=("cis-aws-3.0:3.2", "cis-aws-3.0:3.5", "pci-dss-4.0.1:10.3.2", "pci-dss-4.0.1:10.3.4",
                     "pci-dss-4.0.1:3.5.1"),
               description="Checks whether a trail's log files are encrypted with a customer managed KMS key and "
                           "carry digest files (log file validation).",
               message="Set kms_key_id to a customer managed key and enable_log_file_validation=True")
def trail_integrity(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if not get(props, "kmsKeyId"):
        yield "log files not KMS-encrypted"
    if get(props, "enableLogFileValidation") is not True:
        yield "log file validation off"


@resource_rule("cloudtrail-cloudwatch-delivery", family="guardrails", types=[TRAIL], control="CloudTrail.5",
               severity=Severity.MEDIUM, refs=("pci-dss-4.0.1:10.4.1", "pci-dss-4.0.1:10.4.1.1"),
               description="Checks whether a trail delivers to CloudWatch Logs (what the CIS section-4 alarms "
                           "watch), with a role CloudTrail assumes to write there.",
               message="Set cloud_watch_logs_group_arn (the log group's ARN with :*) and cloud_watch_logs_role_arn")
def trail_to_logs(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if not get(props, "cloudWatchLogsGroupArn"):
        yield "no CloudWatch Logs delivery"
    elif not get(props, "cloudWatchLogsRoleArn"):
        yield "no delivery role"


@resource_rule("cloudtrail-s3-data-events", family="guardrails", types=[TRAIL], severity=Severity.MEDIUM,
               refs=("cis-aws-3.0:3.8", "cis-aws-3.0:3.9", "pci-dss-4.0.1:10.2.1.1", "pci-dss-4.0.1:10.2.2"),
               description="Checks whether a trail records S3 object-level reads and writes on the objects it "
                           "names (the customers' documents): who read which driver's licence, and when.",
               message="Add an advanced event selector with eventCategory = Data, resources.type = AWS::S3::Object "
                       "and resources.ARN starting with the documents' prefix, without a readOnly filter")
def trail_data_events(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    for selector in _selectors(props):
        fields = _fields(selector)
        if "Data" in as_list(get(fields.get("eventCategory", {}), "equals")) \
                and "AWS::S3::Object" in as_list(get(fields.get("resources.type", {}), "equals")) \
                and _both_reads_and_writes(fields):
            arns = fields.get("resources.ARN", {})
            if not any(as_list(get(arns, key)) for key in ("notEquals", "notStartsWith", "notStartsWiths",
                                                           "notEndsWiths")):
                return None
    return "no S3 object-level events for both reads and writes"


@stack_rule("cloudtrail-bucket-protected", judges=[TRAIL], family="backup", severity=Severity.HIGH,
            control="CloudTrail.7",
            refs=("pci-dss-4.0.1:10.2.1.3", "cis-aws-3.0:3.4", "pci-dss-4.0.1:10.3.2", "pci-dss-4.0.1:10.3.3",
                  "pci-dss-4.0.1:10.5.1"),
            description="Checks whether a trail writes to a bucket of this stack that has server access logging "
                        "and S3 Object Lock with a default retention of at least minimumLockDays, in lockMode where "
                        "one is required (nobody rewrites history; COMPLIANCE: not even the root user).",
            message="Deliver the trail to a SecureBucket with object_lock_days (trailObjectLockDays) of at least "
                    "minimumLockDays, the stack's lockMode, and an access_log_bucket (components/account_baseline.py)",
            settings={"minimumLockDays": Setting(365, {"type": "integer", "minimum": 1},
                                                 "fewest days a trail record is locked (PCI DSS 10.5.1: a year)"),
                      "lockMode": Setting("", {"type": "string", "enum": ["", "GOVERNANCE", "COMPLIANCE"]},
                                          "the Object Lock mode required ('' = either)")})
def trail_bucket(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    logged = {target.urn for r in of_type(resources, BUCKET_LOGGING) for target in depends_on(r, "bucket")}
    locked: set[str] = set()
    for lock in of_type(resources, OBJECT_LOCK):
        mode = known(lock.props, "rule", "defaultRetention", "mode", unknown=UNKNOWN)
        days = known(lock.props, "rule", "defaultRetention", "days", unknown=UNKNOWN)
        years = known(lock.props, "rule", "defaultRetention", "years", unknown=UNKNOWN)
        if not mode:
            continue
        held = UNKNOWN if UNKNOWN in (days, years) else (number(days) or 0) + 365 * (number(years) or 0)
        for bucket in depends_on(lock, "bucket"):
            if config["lockMode"] and mode not in (UNKNOWN, config["lockMode"]):
                yield bucket.urn, f"bucket {bucket.name} is locked in {mode} mode, not {config['lockMode']}"
            if held is not UNKNOWN and held < config["minimumLockDays"]:
                floor = config["minimumLockDays"]
                yield bucket.urn, f"bucket {bucket.name} locks records for {held:.0f} days < {floor}"
            locked.add(bucket.urn)
    for trail in of_type(resources, TRAIL):
        buckets = [b for b in depends_on(trail, "s3BucketName") if b.resource_type in t.BUCKETS]
        if not buckets:
            yield trail.urn, "its bucket is not declared in this stack (its protection cannot be judged)"
            continue
        for bucket in buckets:
            if bucket.urn not in logged:
                yield trail.urn, f"bucket {bucket.name} has no server access logging"
            if bucket.urn not in locked:
                yield trail.urn, f"bucket {bucket.name} has no Object Lock default retention"


# --- AWS Config -----------------------------------------------------------------------------------


@stack_rule("config-recording-everything", judges=[RECORDER], family="guardrails", severity=Severity.HIGH,
            control="Config.1", refs=("cis-aws-3.0:3.3", "pci-dss-4.0.1:11.5.2", "pci-dss-4.0.1:10.2.1"),
            description="Checks whether each Config recorder records every supported resource type, is switched "
                        "on and has a delivery channel in its region, and whether one recorder records the global "
                        "(IAM) types.",
            message="Record all_supported types with a DeliveryChannel and a RecorderStatus is_enabled=True in the "
                    "same region; include_global_resource_types in the home region")
def config_recording(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    recorders = of_type(resources, RECORDER)
    enabled = {region_of(s) for s in of_type(resources, RECORDER_STATUS)
               if known(s.props, "isEnabled", unknown=True) is True}
    channels = {region_of(c) for c in of_type(resources, DELIVERY_CHANNEL)}
    global_types = False
    for recorder in recorders:
        group = plain(known(recorder.props, "recordingGroup", default={}, unknown=UNKNOWN))
        if group is UNKNOWN or has_unknown(group):
            global_types = True
            continue
        region = region_of(recorder)
        if group.get("allSupported") is False or group.get("resourceTypes") or group.get("exclusionByResourceTypes"):
            yield recorder.urn, "records only some resource types"
        global_types |= group.get("includeGlobalResourceTypes") is True
        if region not in enabled:
            yield recorder.urn, f"not switched on in {region} (no RecorderStatus is_enabled=True)"
        if region not in channels:
            yield recorder.urn, f"no delivery channel in {region}"
    if recorders and not global_types:
        yield recorders[0].urn, "no recorder records the global resource types (IAM)"




# --- one region's services, wherever the account records ------------------------------------------

REGIONAL = {DETECTOR: "GuardDuty detector", HUB: "Security Hub", MACIE: "Macie",
            EBS_DEFAULT: "EBS default encryption", ANALYZER: "account Access Analyzer"}


@stack_rule("account-regional-services-complete", judges=[RECORDER, *REGIONAL], family="guardrails",
            severity=Severity.HIGH, control=("GuardDuty.1", "SecurityHub.1", "Macie.1", "EC2.7"),
            refs=("cis-aws-3.0:1.20", "cis-aws-3.0:2.2.1", "cis-aws-3.0:4.16", "pci-dss-4.0.1:11.5.1",
                  "pci-dss-4.0.1:5.2.1", "pci-dss-4.0.1:10.7.2"),
            description="Checks whether every region the account records with AWS Config also has GuardDuty, "
                        "Security Hub, Macie, EBS default encryption and an account Access Analyzer (an attacker "
                        "goes to the region nobody watches).",
            message="Create the missing service in that region (AccountBaseline does it for every region in "
                    "`regions`)")
def regional_services(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    present: dict[str, set[str]] = defaultdict(set)
    for token in REGIONAL:
        for r in of_type(resources, token):
            if token == ANALYZER and known(r.props, "type", unknown="ACCOUNT") not in ("ACCOUNT", "ORGANIZATION"):
                continue
            present[token].add(region_of(r))
    for recorder in of_type(resources, RECORDER):
        region = region_of(recorder)
        for token, what in REGIONAL.items():
            if region not in present[token]:
                yield recorder.urn, f"no {what} in {region}"


@resource_rule("guardduty-detector-enabled", family="guardrails", types=[DETECTOR], control="GuardDuty.1",
               severity=Severity.HIGH, refs=("pci-dss-4.0.1:11.5.1", "pci-dss-4.0.1:5.2.1"),
               description="Checks whether a GuardDuty detector is enabled and publishes findings at least hourly.",
               message="Set enable=True and finding_publishing_frequency FIFTEEN_MINUTES or ONE_HOUR")
def detector_enabled(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if get(props, "enable") is False:
        yield "detector suspended"
    if get(props, "findingPublishingFrequency") == "SIX_HOURS":
        yield "findings published every six hours"
    if as_list(get(props, "datasources")):
        yield "legacy datasources block (use DetectorFeature)"


PROTECTIONS = {"S3_DATA_EVENTS": ("GuardDuty.10", ()), "RDS_LOGIN_EVENTS": ("GuardDuty.9", ()),
               "RUNTIME_MONITORING": ("GuardDuty.12", ("ECS_FARGATE_AGENT_MANAGEMENT",))}


@stack_rule("guardduty-protections-enabled", judges=[DETECTOR, DETECTOR_FEATURE], family="guardrails",
            severity=Severity.HIGH, control=("GuardDuty.9", "GuardDuty.10", "GuardDuty.12"),
            refs=("pci-dss-4.0.1:11.5.1", "pci-dss-4.0.1:5.2.2"),
            description="Checks whether each detector has the protections the platform needs enabled: S3 (the "
                        "documents), RDS login activity (the database) and Runtime Monitoring with the agent "
                        "managed for ECS Fargate (the tasks).",
            message="Add DetectorFeature S3_DATA_EVENTS, RDS_LOGIN_EVENTS and RUNTIME_MONITORING (additional "
                    "configuration ECS_FARGATE_AGENT_MANAGEMENT) with status ENABLED")
def detector_protections(resources: Sequence[PolicyResource],
                         config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    features: dict[str, dict[str, PolicyResource]] = defaultdict(dict)
    for feature in of_type(resources, DETECTOR_FEATURE):
        for detector in depends_on(feature, "detectorId"):
            name = known(feature.props, "name", unknown="?")
            features[detector.urn][str(name)] = feature
    for detector in of_type(resources, DETECTOR):
        have = features.get(detector.urn, {})
        if "?" in have:
            continue
        for name, (_, extras) in PROTECTIONS.items():
            configured = have.get(name)
            if configured is None:
                yield detector.urn, f"{name} not configured"
                continue
            if known(configured.props, "status", unknown="ENABLED") != "ENABLED":
                yield configured.urn, f"{name} disabled"
            listed = plain(known(configured.props, "additionalConfigurations", default=[], unknown=UNKNOWN))
            if has_unknown(listed):
                continue
            additional = {str(a.get("name")): a.get("status") for a in as_list(listed) if isinstance(a, Mapping)}
            for extra in extras:
                if additional.get(extra) != "ENABLED":  # unset: GuardDuty does not manage the agent there
                    yield configured.urn, f"{extra} not enabled"


FINDING_SOURCES = {"aws.guardduty": DETECTOR, "aws.securityhub": HUB, "aws.macie": MACIE}


@stack_rule("security-findings-routed", judges=[DETECTOR, HUB, MACIE], family="guardrails",
            severity=Severity.HIGH,
            refs=("pci-dss-4.0.1:10.4.1", "pci-dss-4.0.1:10.7.2", "pci-dss-4.0.1:12.10.5"),
            description="Checks whether GuardDuty, Security Hub and Macie findings in each region reach someone: "
                        "an enabled EventBridge rule for the service's findings with a target in that region.",
            message="Add an EventRule whose event_pattern source is the service (aws.guardduty, aws.securityhub, "
                    "aws.macie) and an EventTarget to the on-call topic, in the service's region")
def findings_routed(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    import json

    targeted = {target.urn for r in of_type(resources, EVENT_TARGET) for target in depends_on(r, "rule")}
    routed: set[tuple[str, str]] = set()
    for rule in of_type(resources, EVENT_RULE):
        if rule.urn not in targeted or known(rule.props, "state", default="ENABLED", unknown="ENABLED") != "ENABLED" \
                or known(rule.props, "isEnabled", unknown=True) is False \
                or known(rule.props, "eventBusName", default="default", unknown="default") != "default":
            continue  # AWS services deliver their findings to the default bus only
        pattern = known(rule.props, "eventPattern", unknown=None)
        if pattern is None:
            routed |= {(s, region_of(rule)) for s in FINDING_SOURCES}
            continue
        try:
            sources = as_list(json.loads(pattern).get("source")) if isinstance(pattern, str) else []
        except (ValueError, AttributeError):
            sources = []
        routed |= {(str(s), region_of(rule)) for s in sources}
    for source, token in FINDING_SOURCES.items():
        for service in of_type(resources, token):
            if (source, region_of(service)) not in routed:
                yield service.urn, f"no EventBridge rule routes {source} findings in {region_of(service)}"


STANDARD_PATHS = {
    "standards/aws-foundational-security-best-practices/v/1.0.0": "FSBP",
    "standards/cis-aws-foundations-benchmark/v/3.0.0": "CIS AWS Foundations v3.0.0",
    "standards/pci-dss/v/4.0.1": "PCI DSS v4.0.1",
}


@stack_rule("securityhub-standards-enabled", judges=[HUB], family="guardrails", severity=Severity.HIGH,
            control="SecurityHub.1", refs=("cis-aws-3.0:4.16", "pci-dss-4.0.1:11.5.1"),
            description="Checks whether Security Hub in each region has the standards the business is audited "
                        "against subscribed (FSBP, CIS AWS Foundations v3.0.0, PCI DSS v4.0.1) and turns on the "
                        "controls AWS adds to them.",
            message="Add a StandardsSubscription per missing standard in that region "
                    "(arn:aws:securityhub:<region>::standards/...) and keep auto_enable_controls=True")
def hub_standards(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    subscribed: dict[str, set[str]] = defaultdict(set)
    for sub in of_type(resources, STANDARD):
        arn = known(sub.props, "standardsArn", unknown=None)
        if arn is None:
            subscribed[region_of(sub)] |= set(STANDARD_PATHS)
            continue
        match = re.fullmatch(r"arn:aws[a-z-]*:securityhub:([a-z0-9-]*)::(.+)", str(arn))
        if match:
            subscribed[region_of(sub)].add(match.group(2))
    for hub in of_type(resources, HUB):
        region = region_of(hub)
        if known(hub.props, "autoEnableControls", unknown=True) is False:
            yield hub.urn, "new controls of the subscribed standards are not enabled automatically"
        for path, name in STANDARD_PATHS.items():
            if path not in subscribed[region]:
                yield hub.urn, f"{name} not subscribed in {region}"


@resource_rule("access-analyzer-unused-access-window", family="guardrails", types=[ANALYZER], severity=Severity.LOW,
               refs=("cis-aws-3.0:1.12", "pci-dss-4.0.1:8.2.6", "pci-dss-4.0.1:7.2.5.1"),
               description="Checks whether an unused-access analyzer reports what has gone unused within "
                           "maxUnusedDays (CIS 1.12: 45 days; PCI DSS 8.2.6: 90).",
               message="Set configuration.unused_access.unused_access_age to at most maxUnusedDays",
               settings={"maxUnusedDays": Setting(45, {"type": "integer", "minimum": 1},
                                                  "longest age an unused role, key or permission may reach")})
def unused_window(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    if get(props, "type") not in ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS"):
        return None
    age = number(get(props, "configuration", "unusedAccess", "unusedAccessAge"))
    if age is None or age > config["maxUnusedDays"]:
        return f"unused after {age or 90:g} days (at most {config['maxUnusedDays']})"
    return None


@resource_rule("macie-customer-documents-discovery", family="guardrails", types=[MACIE, MACIE_JOB],
               severity=Severity.MEDIUM, control="Macie.1",
               refs=("cis-aws-3.0:2.1.3", "pci-dss-4.0.1:3.2.1", "pci-dss-4.0.1:12.5.2"),
               description="Checks whether Macie is enabled and a discovery job keeps scanning on a schedule, "
                           "sampling at least minimumSamplingPercentage of the objects.",
               message="Set the Macie account status ENABLED; give the job job_type SCHEDULED, a schedule, a "
                       "sampling_percentage of at least minimumSamplingPercentage and no paused or cancelled status",
               settings={"minimumSamplingPercentage": Setting(25, {"type": "integer", "minimum": 1, "maximum": 100},
                                                              "least share of objects a run inspects")})
def macie_discovery(props: Mapping[str, Any], config: Mapping[str, Any], resource_type: str) -> Iterator[str]:
    if resource_type == MACIE:
        if get(props, "status") == "PAUSED":
            yield "Macie paused"
        return
    if get(props, "jobType") != "SCHEDULED":
        yield f"job type {get(props, 'jobType')} (a one-time job never scans new documents)"
    if get(props, "jobStatus") in ("USER_PAUSED", "CANCELLED"):
        yield f"job {get(props, 'jobStatus')}"
    share = number(get(props, "samplingPercentage"))
    if share is not None and share < config["minimumSamplingPercentage"]:
        yield f"samples {share:g}% (at least {config['minimumSamplingPercentage']}%)"


@resource_rule("ebs-encryption-by-default", family="encryption", types=[EBS_DEFAULT], control="EC2.7",
               severity=Severity.MEDIUM, refs=("cis-aws-3.0:2.2.1", "pci-dss-4.0.1:3.5.1"),
               description="Checks whether new EBS volumes in the region are encrypted by default.",
               message="Set enabled=True on the region's EncryptionByDefault")
def ebs_default(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    return "EBS default encryption off" if get(props, "enabled") is False else None


@resource_rule("s3-account-public-access-block", family="guardrails", types=[ACCOUNT_BLOCK], control="S3.1",
               severity=Severity.CRITICAL, refs=("cis-aws-3.0:2.1.4", "pci-dss-4.0.1:1.4.4"),
               description="Checks whether the account's S3 Block Public Access turns on all four settings (no "
                           "bucket of the account can be made public by ACL or policy).",
               message="Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets "
                       "to True")
def account_block(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    for setting in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        if get(props, setting) is not True:
            yield f"{setting} off"


@resource_rule("iam-password-policy-strong", family="guardrails", types=[PASSWORD_POLICY],
               control=("IAM.7", "IAM.15", "IAM.16"), severity=Severity.MEDIUM,
               refs=("cis-aws-3.0:1.8", "cis-aws-3.0:1.9", "pci-dss-4.0.1:8.3.6", "pci-dss-4.0.1:8.3.7",
                     "pci-dss-4.0.1:8.3.9"),
               description="Checks whether the account password policy asks for at least 14 characters of four "
                           "kinds, remembers the last 24 and makes them change within 90 days.",
               message="Set minimum_password_length >= 14, password_reuse_prevention >= 24, all four require_* "
                       "flags, and max_password_age between 1 and 90")
def password_policy(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    length = number(get(props, "minimumPasswordLength")) or 8
    if length < 14:
        yield f"minimum length {length:g}"
    reuse = number(get(props, "passwordReusePrevention")) or 0
    if reuse < 24:
        yield f"remembers {reuse:g} passwords"
    for kind in ("Lowercase", "Uppercase"):
        if get(props, f"require{kind}Characters") is not True:
            yield f"{kind.lower()} characters not required"
    for kind in ("Numbers", "Symbols"):
        if get(props, f"require{kind}") is not True:
            yield f"{kind.lower()} not required"
    age = number(get(props, "maxPasswordAge")) or 0
    if not 1 <= age <= 90:
        yield "passwords never expire" if not age else f"passwords live {age:g} days"


@stack_rule("account-security-contact", judges=[HUB], family="guardrails", severity=Severity.LOW,
            refs=("cis-aws-3.0:1.2", "pci-dss-4.0.1:12.10.1"),
            description="Checks whether the account that runs Security Hub registers a SECURITY alternate contact "
                        "with an address (AWS writes there about abuse and compromised credentials).",
            message="Add an aws.account.AlternativeContact with alternate_contact_type SECURITY and an email_address "
                    "(securityContact in the baseline's stack config)")
def security_contact(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    registered = any(known(c.props, "alternateContactType", unknown="SECURITY") == "SECURITY"
                     and known(c.props, "emailAddress", unknown="?") for c in of_type(resources, CONTACT))
    hubs = of_type(resources, HUB)
    if hubs and not registered:
        yield hubs[0].urn, "no SECURITY alternate contact"


# --- the CIS section-4 alarms -------------------------------------------------------------------------

# What each filter must match: every event name (or key term) the benchmark's pattern names.
CIS_EVENTS: dict[str, tuple[str, ...]] = {
    "4.1": ("UnauthorizedOperation", "AccessDenied"),
    "4.2": ("ConsoleLogin", "MFAUsed"),
    "4.3": ('userIdentity.type = "Root"', "invokedBy NOT EXISTS"),
    "4.4": ("DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
            "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
            "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
            "DetachGroupPolicy"),
    "4.5": ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    "4.6": ("ConsoleLogin", "Failed authentication"),
    "4.7": ("kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"),
    "4.8": ("s3.amazonaws.com", "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
            "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle",
            "DeleteBucketReplication"),
    "4.9": ("config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
            "PutConfigurationRecorder"),
    "4.10": ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
             "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"),
    "4.11": ("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
             "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"),
    "4.12": ("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
             "DeleteInternetGateway", "DetachInternetGateway"),
    "4.13": ("CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
             "DeleteRoute", "DisassociateRouteTable"),
    "4.14": ("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
             "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection"),
    "4.15": ("organizations.amazonaws.com", "CreateAccount", "LeaveOrganization", "RemoveAccountFromOrganization",
             "AttachPolicy", "DetachPolicy", "UpdatePolicy"),
}


@stack_rule("cis-monitoring-alarms", judges=[TRAIL], family="guardrails", severity=Severity.MEDIUM,
            control=tuple(f"CloudWatch.{n}" for n in range(1, 15)),
            refs=(*(f"cis-aws-3.0:{r}" for r in CIS_EVENTS), "pci-dss-4.0.1:10.4.1", "pci-dss-4.0.1:10.7.2"),
            description="Checks whether the log group a multi-region trail delivers to carries a metric filter for "
                        "each CIS AWS Foundations v3.0.0 section-4 event (root use, unauthorised calls, console "
                        "sign-in without MFA, IAM/CloudTrail/Config/KMS/S3 policy/security group/NACL/gateway/route "
                        "table/VPC/Organizations changes) with an alarm that notifies someone.",
            message="Add a LogMetricFilter on the trail's log group with the benchmark's pattern and a MetricAlarm "
                    "on its metric with alarm_actions (AccountBaseline's CIS_MONITORING does)")
def cis_alarms(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    # (namespace, metric) pairs some alarm with actions watches; UNKNOWN where only `up` tells.
    alarmed: set[tuple[Any, Any]] = set()
    for alarm in of_type(resources, ALARM):
        props = plain(alarm.props)
        actions = props.get("alarmActions")
        if (actions is UNKNOWN or as_list(actions)) and props.get("actionsEnabled") is not False:
            alarmed.add((props.get("namespace"), props.get("metricName")))
    vague = any(UNKNOWN in pair for pair in alarmed)
    # log group URN -> (pattern, whether an alarm watches its metric); None: a pattern unknown until up
    filters: dict[str, list[tuple[str | None, bool]]] = defaultdict(list)
    for metric_filter in of_type(resources, METRIC_FILTER):
        props = plain(metric_filter.props)
        pattern = props.get("pattern")
        transformation = props.get("metricTransformation")
        metric = (transformation.get("namespace"), transformation.get("name")) \
            if isinstance(transformation, Mapping) else (UNKNOWN, UNKNOWN)
        watched = vague or UNKNOWN in metric or metric in alarmed
        for group in depends_on(metric_filter, "logGroupName"):
            filters[group.urn].append((pattern if isinstance(pattern, str) else None, watched))
    for trail in of_type(resources, TRAIL):
        if known(trail.props, "isMultiRegionTrail", unknown=True) is not True:
            continue  # a one-region trail is cloudtrail-multi-region-management-events' finding
        groups = [g.urn for g in depends_on(trail, "cloudWatchLogsGroupArn")]
        if not groups:
            yield trail.urn, "no log group to alarm on (cloudtrail-cloudwatch-delivery)"
            continue
        present = [f for g in groups for f in filters.get(g, [])]
        for recommendation, events in CIS_EVENTS.items():
            matching = [watched for pattern, watched in present
                        if pattern is None or all(event in pattern for event in events)]
            if not matching:
                yield trail.urn, f"CIS {recommendation}: no metric filter for {', '.join(events[:3])}..."
            elif not any(matching):
                yield trail.urn, f"CIS {recommendation}: no alarm with actions on the filter's metric"

POLICIES = [trail_coverage, trail_integrity, trail_to_logs, trail_data_events, trail_bucket, config_recording,
            regional_services, detector_enabled, detector_protections, findings_routed, hub_standards, unused_window,
            macie_discovery, ebs_default, account_block, password_policy, security_contact, cis_alarms]
