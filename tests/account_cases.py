"""Compliant and violating cases of the account-baseline policies (policies/elite_policies/account.py),
collected by tests/test_policies.py with the rest of the pack's cases."""

from __future__ import annotations

import json
from typing import Any

from elite_policies.testing import resource
from pulumi_policy import PolicyResource

from components.account_baseline import CIS_MONITORING

TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET = "aws:s3/bucket:Bucket"

MANAGEMENT = {"name": "m", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}
DOCUMENTS = {"name": "d", "fieldSelectors": [
    {"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]},
    {"field": "resources.ARN", "startsWiths": ["arn:aws:s3:::assets/customers/"]}]}
GOOD_TRAIL = {"isMultiRegionTrail": True, "includeGlobalServiceEvents": True, "enableLogging": True,
              "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k", "enableLogFileValidation": True,
              "cloudWatchLogsGroupArn": "arn:g:*", "cloudWatchLogsRoleArn": "arn:r",
              "advancedEventSelectors": [MANAGEMENT, DOCUMENTS]}
READS_ONLY = {**DOCUMENTS, "fieldSelectors": [*DOCUMENTS["fieldSelectors"], {"field": "readOnly", "equals": ["true"]}]}
GOOD_PASSWORDS = {"minimumPasswordLength": 14.0, "passwordReusePrevention": 24.0, "requireLowercaseCharacters": True,
                  "requireUppercaseCharacters": True, "requireNumbers": True, "requireSymbols": True,
                  "maxPasswordAge": 90.0}
UNUSED = {"type": "ACCOUNT_UNUSED_ACCESS", "configuration": {"unusedAccess": {"unusedAccessAge": 45.0}}}
JOB = {"jobType": "SCHEDULED", "samplingPercentage": 100.0, "scheduleFrequency": {"weeklySchedule": "MONDAY"}}


def _with(base: dict, **changes: Any) -> dict:
    return {**base, **changes}


RESOURCE_CASES: list[tuple[str, str, dict, dict, str, dict]] = [
    ("cloudtrail-multi-region-management-events", TRAIL, GOOD_TRAIL, _with(GOOD_TRAIL, isMultiRegionTrail=False),
     "one region only", {}),
    ("cloudtrail-multi-region-management-events", TRAIL, GOOD_TRAIL,
     _with(GOOD_TRAIL, advancedEventSelectors=[{**MANAGEMENT, "fieldSelectors": [
         *MANAGEMENT["fieldSelectors"], {"field": "readOnly", "equals": ["false"]}]}]),
     "not every management event", {}),
    ("cloudtrail-multi-region-management-events", TRAIL,
     _with(GOOD_TRAIL, advancedEventSelectors=None, eventSelectors=[{"readWriteType": "All"}]),
     _with(GOOD_TRAIL, advancedEventSelectors=None, eventSelectors=[{"includeManagementEvents": False}]),
     "not every management event", {}),
    ("cloudtrail-multi-region-management-events", TRAIL, GOOD_TRAIL, _with(GOOD_TRAIL, enableLogging=False),
     "logging stopped", {}),
    ("cloudtrail-encrypted-and-validated", TRAIL, GOOD_TRAIL, _with(GOOD_TRAIL, kmsKeyId=None),
     "not KMS-encrypted", {}),
    ("cloudtrail-encrypted-and-validated", TRAIL, GOOD_TRAIL, _with(GOOD_TRAIL, enableLogFileValidation=False),
     "validation off", {}),
    ("cloudtrail-cloudwatch-delivery", TRAIL, GOOD_TRAIL, _with(GOOD_TRAIL, cloudWatchLogsGroupArn=None),
     "no CloudWatch Logs delivery", {}),
    ("cloudtrail-cloudwatch-delivery", TRAIL, GOOD_TRAIL, _with(GOOD_TRAIL, cloudWatchLogsRoleArn=None),
     "no delivery role", {}),
    ("cloudtrail-s3-data-events", TRAIL, GOOD_TRAIL, _with(GOOD_TRAIL, advancedEventSelectors=[MANAGEMENT]),
     "no S3 object-level events", {}),
    ("cloudtrail-s3-data-events", TRAIL, GOOD_TRAIL, _with(GOOD_TRAIL, advancedEventSelectors=[MANAGEMENT, READS_ONLY]),
     "no S3 object-level events", {}),
    ("guardduty-detector-enabled", "aws:guardduty/detector:Detector",
     {"enable": True, "findingPublishingFrequency": "FIFTEEN_MINUTES"}, {"enable": False}, "suspended", {}),
    ("guardduty-detector-enabled", "aws:guardduty/detector:Detector", {"enable": True},
     {"enable": True, "findingPublishingFrequency": "SIX_HOURS"}, "every six hours", {}),
    ("access-analyzer-unused-access-window", "aws:accessanalyzer/analyzer:Analyzer", UNUSED,
     {**UNUSED, "configuration": {"unusedAccess": {"unusedAccessAge": 180.0}}}, "unused after 180 days", {}),
    ("access-analyzer-unused-access-window", "aws:accessanalyzer/analyzer:Analyzer", {"type": "ACCOUNT"},
     {"type": "ACCOUNT_UNUSED_ACCESS"}, "unused after 90 days (at most 45)", {}),
    ("macie-customer-documents-discovery", "aws:macie2/classificationJob:ClassificationJob", JOB,
     _with(JOB, jobType="ONE_TIME"), "a one-time job", {}),
    ("macie-customer-documents-discovery", "aws:macie2/classificationJob:ClassificationJob", JOB,
     _with(JOB, samplingPercentage=10.0), "samples 10%", {}),
    ("macie-customer-documents-discovery", "aws:macie2/account:Account", {"status": "ENABLED"},
     {"status": "PAUSED"}, "Macie paused", {}),
    ("ebs-encryption-by-default", "aws:ebs/encryptionByDefault:EncryptionByDefault", {"enabled": True},
     {"enabled": False}, "default encryption off", {}),
    ("s3-account-public-access-block", "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
     {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True},
     {"blockPublicAcls": True, "blockPublicPolicy": False, "ignorePublicAcls": True, "restrictPublicBuckets": True},
     "blockPublicPolicy off", {}),
    ("iam-password-policy-strong", "aws:iam/accountPasswordPolicy:AccountPasswordPolicy", GOOD_PASSWORDS,
     _with(GOOD_PASSWORDS, minimumPasswordLength=12.0), "minimum length 12", {}),
    ("iam-password-policy-strong", "aws:iam/accountPasswordPolicy:AccountPasswordPolicy", GOOD_PASSWORDS,
     _with(GOOD_PASSWORDS, passwordReusePrevention=4.0, maxPasswordAge=None), "remembers 4 passwords", {}),
    ("iam-password-policy-strong", "aws:iam/accountPasswordPolicy:AccountPasswordPolicy", GOOD_PASSWORDS,
     _with(GOOD_PASSWORDS, maxPasswordAge=None), "never expire", {}),
]


def _r(token: str, name: str, props: dict, **links: list[PolicyResource]) -> PolicyResource:
    return resource(token, name, props, property_dependencies=links or None)


def _trail_stack(*, logged: bool = True, locked: bool = True, declared: bool = True, mode: str = "COMPLIANCE",
                 days: float = 365.0) -> list[PolicyResource]:
    bucket = _r(BUCKET, "audit-logs", {"bucket": "audit"})
    parts = [bucket]
    if logged:
        parts.append(_r("aws:s3/bucketLogging:BucketLogging", "l", {"targetBucket": "x"}, bucket=[bucket]))
    if locked:
        parts.append(_r("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "lock",
                        {"rule": {"defaultRetention": {"mode": mode, "days": days}}}, bucket=[bucket]))
    parts.append(_r(TRAIL, "trail", GOOD_TRAIL, **({"s3BucketName": [bucket]} if declared else {})))
    return parts


def _config_stack(regions: tuple[str, ...] = ("us-east-1", "us-west-2"), *, status: bool = True,
                  all_supported: bool = True, channel_in: tuple[str, ...] | None = None) -> list[PolicyResource]:
    parts = []
    for index, region in enumerate(regions):
        parts.append(_r("aws:cfg/recorder:Recorder", f"rec-{region}", {"region": region, "recordingGroup": {
            "allSupported": all_supported, "includeGlobalResourceTypes": index == 0}}))
        parts.append(_r("aws:cfg/recorderStatus:RecorderStatus", f"on-{region}", {"region": region,
                                                                                  "isEnabled": status}))
    for region in channel_in if channel_in is not None else regions:
        parts.append(_r("aws:cfg/deliveryChannel:DeliveryChannel", f"ch-{region}", {"region": region}))
    return parts


REGIONAL = {"aws:guardduty/detector:Detector": {"enable": True}, "aws:securityhub/account:Account": {},
            "aws:macie2/account:Account": {"status": "ENABLED"},
            "aws:ebs/encryptionByDefault:EncryptionByDefault": {"enabled": True},
            "aws:accessanalyzer/analyzer:Analyzer": {"type": "ACCOUNT"}}


def _regional_stack(missing: str | None = None, analyzer_type: str = "ACCOUNT") -> list[PolicyResource]:
    parts = _config_stack()
    for region in ("us-east-1", "us-west-2"):
        for token, props in REGIONAL.items():
            if token == missing and region == "us-west-2":
                continue
            extra = {"type": analyzer_type} if token.startswith("aws:accessanalyzer") else {}
            parts.append(_r(token, f"{token.rsplit(':', 1)[-1]}-{region}", {**props, **extra, "region": region}))
    return parts


def _guardduty(features: dict[str, dict] | None = None) -> list[PolicyResource]:
    detector = _r("aws:guardduty/detector:Detector", "gd", {"enable": True})
    chosen = features if features is not None else {
        "S3_DATA_EVENTS": {}, "RDS_LOGIN_EVENTS": {},
        "RUNTIME_MONITORING": {"additionalConfigurations": [{"name": "ECS_FARGATE_AGENT_MANAGEMENT",
                                                             "status": "ENABLED"}]}}
    return [detector, *(_r("aws:guardduty/detectorFeature:DetectorFeature", name.lower(),
                           {"name": name, "status": "ENABLED", **extra}, detectorId=[detector])
                        for name, extra in chosen.items())]


def _routed(*, source: str = "aws.guardduty", targeted: bool = True, state: str = "ENABLED") -> list[PolicyResource]:
    detector = _r("aws:guardduty/detector:Detector", "gd", {"enable": True})
    rule = _r("aws:cloudwatch/eventRule:EventRule", "findings", {"eventPattern": json.dumps({"source": [source]}),
                                                                 "state": state})
    parts = [detector, rule]
    if targeted:
        parts.append(_r("aws:cloudwatch/eventTarget:EventTarget", "to-sns", {"arn": "arn:topic"}, rule=[rule]))
    return parts


def _hub(*paths: str, region: str = "us-east-1") -> list[PolicyResource]:
    hub = _r("aws:securityhub/account:Account", "hub", {"region": region})
    return [hub, *(_r("aws:securityhub/standardsSubscription:StandardsSubscription", f"s{i}",
                      {"region": region, "standardsArn": f"arn:aws:securityhub:{region}::{p}"})
                   for i, p in enumerate(paths))]


ALL_STANDARDS = ("standards/aws-foundational-security-best-practices/v/1.0.0",
                 "standards/cis-aws-foundations-benchmark/v/3.0.0", "standards/pci-dss/v/4.0.1")


def _cis(*, skip: str | None = None, alarm_actions: bool = True, multi_region: bool = True) -> list[PolicyResource]:
    group = _r("aws:cloudwatch/logGroup:LogGroup", "trail-logs", {"name": "/aws/cloudtrail/t"})
    trail = _r(TRAIL, "trail", {**GOOD_TRAIL, "isMultiRegionTrail": multi_region}, cloudWatchLogsGroupArn=[group])
    parts = [group, trail]
    for recommendation, (label, pattern) in CIS_MONITORING.items():
        if recommendation == skip:
            continue
        parts.append(_r("aws:cloudwatch/logMetricFilter:LogMetricFilter", f"f-{label}", {
            "pattern": pattern, "metricTransformation": {"name": label, "namespace": "CIS", "value": "1"}},
            logGroupName=[group]))
        parts.append(_r("aws:cloudwatch/metricAlarm:MetricAlarm", f"a-{label}", {
            "namespace": "CIS", "metricName": label, "alarmActions": ["arn:topic"] if alarm_actions else []}))
    return parts


def _audit_lifecycle(storage_class: str, days: float) -> list[PolicyResource]:
    bucket = _r(BUCKET, "audit-logs", {"tags": {"DataClassification": "audit"}})
    return [bucket, _r("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lc", {"rules": [{
        "id": "archive", "status": "Enabled", "expiration": {"days": 731.0},
        "transitions": [{"days": days, "storageClass": storage_class}]}]}, bucket=[bucket])]


STACK_CASES: list[tuple[str, Any, Any, str, dict]] = [
    ("s3-lifecycle-retention-floor", lambda: _audit_lifecycle("GLACIER_IR", 30.0),
     lambda: _audit_lifecycle("DEEP_ARCHIVE", 30.0), "archives audit objects after 30 days (at hand for 90)", {}),
    ("s3-lifecycle-retention-floor", lambda: _audit_lifecycle("GLACIER", 90.0),
     lambda: _audit_lifecycle("GLACIER", 60.0), "archives audit objects after 60 days", {}),
    ("cloudtrail-bucket-protected", _trail_stack, lambda: _trail_stack(locked=False), "no Object Lock", {}),
    ("cloudtrail-bucket-protected", _trail_stack, lambda: _trail_stack(logged=False), "no server access logging", {}),
    ("cloudtrail-bucket-protected", _trail_stack, lambda: _trail_stack(declared=False), "not declared", {}),
    ("cloudtrail-bucket-protected", _trail_stack, lambda: _trail_stack(days=1.0), "locks records for 1 days < 365", {}),
    ("cloudtrail-bucket-protected", _trail_stack, lambda: _trail_stack(mode="GOVERNANCE"),
     "locked in GOVERNANCE mode, not COMPLIANCE", {"lockMode": "COMPLIANCE"}),
    ("config-recording-everything", _config_stack, lambda: _config_stack(all_supported=False),
     "only some resource types", {}),
    ("config-recording-everything", _config_stack, lambda: _config_stack(status=False), "not switched on", {}),
    ("config-recording-everything", _config_stack, lambda: _config_stack(channel_in=("us-east-1",)),
     "no delivery channel in us-west-2", {}),
    ("account-regional-services-complete", _regional_stack,
     lambda: _regional_stack("aws:guardduty/detector:Detector"), "no GuardDuty detector in us-west-2", {}),
    ("account-regional-services-complete", _regional_stack,
     lambda: _regional_stack(analyzer_type="ACCOUNT_UNUSED_ACCESS"), "no account Access Analyzer in us-east-1", {}),
    ("guardduty-protections-enabled", _guardduty, lambda: _guardduty({"S3_DATA_EVENTS": {}, "RDS_LOGIN_EVENTS": {}}),
     "RUNTIME_MONITORING not configured", {}),
    ("guardduty-protections-enabled", _guardduty, lambda: _guardduty({
        "S3_DATA_EVENTS": {}, "RDS_LOGIN_EVENTS": {}, "RUNTIME_MONITORING": {"additionalConfigurations": [
            {"name": "ECS_FARGATE_AGENT_MANAGEMENT", "status": "DISABLED"}]}}),
     "ECS_FARGATE_AGENT_MANAGEMENT not enabled", {}),
    ("guardduty-protections-enabled", _guardduty,
     lambda: _guardduty({"S3_DATA_EVENTS": {}, "RDS_LOGIN_EVENTS": {}, "RUNTIME_MONITORING": {}}),
     "ECS_FARGATE_AGENT_MANAGEMENT not enabled", {}),
    ("security-findings-routed", _routed, lambda: _routed(targeted=False), "no EventBridge rule routes", {}),
    ("security-findings-routed", _routed, lambda: _routed(source="aws.ec2"), "aws.guardduty findings", {}),
    ("security-findings-routed", _routed, lambda: _routed(state="DISABLED"), "no EventBridge rule routes", {}),
    ("securityhub-standards-enabled", lambda: _hub(*ALL_STANDARDS), lambda: _hub(*ALL_STANDARDS[:2]),
     "PCI DSS v4.0.1 not subscribed", {}),
    ("account-security-contact",
     lambda: [*_hub(), _r("aws:account/alternativeContact:AlternativeContact", "c", {
         "alternateContactType": "SECURITY", "emailAddress": "security@example.com"})],
     lambda: [*_hub(), _r("aws:account/alternativeContact:AlternativeContact", "c", {
         "alternateContactType": "BILLING", "emailAddress": "billing@example.com"})],
     "no SECURITY alternate contact", {}),
    ("cis-monitoring-alarms", _cis, lambda: _cis(skip="4.3"), "CIS 4.3: no metric filter", {}),
    ("cis-monitoring-alarms", _cis, lambda: _cis(alarm_actions=False), "no alarm with actions", {}),
    ("cis-monitoring-alarms", lambda: _cis(skip="4.7", multi_region=False), lambda: _cis(skip="4.7"),
     "CIS 4.7", {}),
]
