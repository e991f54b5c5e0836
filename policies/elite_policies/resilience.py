"""What survives a mistake and what notices a failure: backups and objects kept when a resource is
deleted, keys that stay usable, certificate authorities, retention floors in lifecycle rules;
deployments that cannot take a service down; containers without root or extra capabilities;
alarms that reach someone and health checks that fail safe."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity

from . import _types as t
from ._framework import (
    UNKNOWN,
    Setting,
    as_list,
    depends_on,
    get,
    known,
    number,
    of_type,
    resource_rule,
    stack_rule,
)

# --- what survives a deletion ---------------------------------------------------------------------------


@resource_rule("rds-retain-automated-backups", family="backup", types=[t.RDS_INSTANCE], severity=Severity.HIGH,
               refs=("pci-dss-4.0.1:12.10.1", "aws-docs:rds-delete-automated-backups"),
               description="Checks whether deleting an RDS primary keeps its automated backups (AWS deletes them "
                           "with the instance unless told otherwise, and with them point-in-time restore).",
               message="Set delete_automated_backups=False on the primary")
def retain_backups(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    if get(props, "replicateSourceDb"):
        return None  # a replica has no automated backups of its own to lose
    return None if get(props, "deleteAutomatedBackups") is False else "automated backups deleted with the instance"


CURRENT_CAS = ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"]


@resource_rule("rds-ca-certificate-current", family="transport", types=[t.RDS_INSTANCE], severity=Severity.MEDIUM,
               refs=("pci-dss-4.0.1:4.2.1.1", "aws-docs:rds-ssl-certificate-rotation"),
               description="Checks whether RDS instances name a current certificate authority for their server "
                           "certificate (rds-ca-2019 expired in 2024; clients pinning it fail TLS).",
               message="Set ca_cert_identifier to one of allowedAuthorities (rds-ca-rsa2048-g1 by default)",
               settings={"allowedAuthorities": Setting(CURRENT_CAS, {"type": "array", "items": {"type": "string"}},
                                                       "RDS certificate authorities clients trust")})
def rds_ca(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    ca = get(props, "caCertIdentifier")
    return None if ca in config["allowedAuthorities"] else f"caCertIdentifier {ca or 'unset'}"


@resource_rule("no-force-delete-of-data", family="backup",
               types=[*t.BUCKETS, t.ECR_REPOSITORY], severity=Severity.HIGH,
               refs=("pci-dss-4.0.1:10.5.1", "checkov:CKV_AWS_93"),
               description="Checks whether a bucket or image repository can be deleted with its contents (S3 "
                           "force_destroy, ECR force_delete), which turns a replacement into data loss.",
               message="Set force_destroy / force_delete to False (empty the store by hand when retiring it)")
def force_delete(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    for key in ("forceDestroy", "forceDelete"):
        if get(props, key) is True:
            yield f"{key} true"


@resource_rule("kms-key-usable-and-guarded", family="encryption", types=[t.KMS_KEY], severity=Severity.HIGH,
               refs=("pci-dss-4.0.1:3.7.4", "pci-dss-4.0.1:3.6.1", "cis-aws-3.0:3.6"),
               description="Checks whether a KMS key is enabled (a disabled key makes every object, snapshot and "
                           "parameter it protects unreadable) and keeps AWS's lockout safety check.",
               message="Leave is_enabled True and bypass_policy_lockout_safety_check False")
def key_guarded(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if get(props, "isEnabled") is False:
        yield "key disabled"
    if get(props, "bypassPolicyLockoutSafetyCheck") is True:
        yield "policy lockout safety check bypassed"


RETENTION_FLOORS = {"logs": 365, "audit": 365, "confidential": 2555, "*": 90}
# PCI DSS 10.5.1: the most recent three months of audit logs immediately available. Glacier
# Flexible Retrieval and Deep Archive take minutes to hours to restore; every other class is at hand.
AT_HAND_DAYS = {"logs": 90, "audit": 90}
ARCHIVE_CLASSES = ("GLACIER", "DEEP_ARCHIVE")


def _classification(bucket: PolicyResource) -> str:
    tags = known(bucket.props, "tags", default={}) or {}
    return str(tags.get("DataClassification", "*")) if isinstance(tags, Mapping) else "*"


@stack_rule("s3-lifecycle-retention-floor", judges=["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
            family="backup", severity=Severity.MEDIUM,
            refs=("pci-dss-4.0.1:10.5.1", "pci-dss-4.0.1:3.2.1"),
            description="Checks whether lifecycle rules expire current objects no sooner than the retention "
                        "floor of the bucket's DataClassification (logs and audit one year: PCI DSS 10.5.1; the "
                        "guide's 2,555 days for confidential backups), keep logs and audit records in an "
                        "immediately readable class for atHandDays (three months), and old versions for 30 days.",
            message="Raise expiration.days to at least the floor in minimumDays (by DataClassification, '*' for "
                    "the rest), move to GLACIER or DEEP_ARCHIVE no sooner than atHandDays (GLACIER_IR stays at "
                    "hand) and raise noncurrent_days to at least minimumNoncurrentDays",
            settings={"minimumDays": Setting(RETENTION_FLOORS, {"type": "object",
                                                                "additionalProperties": {"type": "integer"}},
                                             "DataClassification -> fewest days an object is kept"),
                      "minimumNoncurrentDays": Setting(30, {"type": "integer", "minimum": 1},
                                                       "fewest days an overwritten or deleted version is kept"),
                      "atHandDays": Setting(AT_HAND_DAYS, {"type": "object",
                                                           "additionalProperties": {"type": "integer"}},
                                            "DataClassification -> days objects stay immediately readable")})
def lifecycle_floor(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    floors = config["minimumDays"]
    for lifecycle in of_type(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                             "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"):
        buckets = depends_on(lifecycle, "bucket")
        kind = _classification(buckets[0]) if buckets else "*"
        floor = floors.get(kind, floors.get("*", 0))
        for rule in as_list(known(lifecycle.props, "rules", default=[])):
            if not isinstance(rule, Mapping) or known(rule, "status") != "Enabled":
                continue
            days = number(known(rule, "expiration", "days"))
            if days is not None and days < floor:
                yield lifecycle.urn, f"rule {known(rule, 'id')} expires {kind} objects after {days:.0f} days"
            old = number(known(rule, "noncurrentVersionExpiration", "noncurrentDays"))
            if old is not None and old < config["minimumNoncurrentDays"]:
                yield lifecycle.urn, f"rule {known(rule, 'id')} expires old versions after {old:.0f} days"
            at_hand = config["atHandDays"].get(kind)
            for transition in as_list(known(rule, "transitions", default=[])) if at_hand else []:
                after = number(known(transition, "days")) if isinstance(transition, Mapping) else None
                if known(transition, "storageClass") in ARCHIVE_CLASSES and after is not None and after < at_hand:
                    yield lifecycle.urn, (f"rule {known(rule, 'id')} archives {kind} objects after {after:.0f} days "
                                          f"(at hand for {at_hand})")


# --- deployments and containers ---------------------------------------------------------------------------


@resource_rule("ecs-service-deployment-safety", family="availability", types=[t.ECS_SERVICE],
               severity=Severity.MEDIUM, refs=("aws-docs:ecs-deployment-rolling-update",),
               description="Checks whether a rolling deployment keeps at least minimumHealthyPercent of the tasks "
                           "serving, has room to start new ones first (maximum above 100 %), and gives tasks behind "
                           "a load balancer a health-check grace period.",
               message="Set deployment_minimum_healthy_percent >= minimumHealthyPercent, "
                       "deployment_maximum_percent > 100 and health_check_grace_period_seconds for load-balanced "
                       "services",
               settings={"minimumHealthyPercent": Setting(100, {"type": "integer", "minimum": 0, "maximum": 100},
                                                          "share of tasks that keep serving during a deploy")})
def deployment_safety(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    low = number(get(props, "deploymentMinimumHealthyPercent", default=100))
    high = number(get(props, "deploymentMaximumPercent", default=200))
    if low is not None and low < config["minimumHealthyPercent"]:
        yield f"minimum healthy {low:.0f} %"
    if high is not None and high <= 100:
        yield f"maximum {high:.0f} %: no new task starts before an old one stops"
    if as_list(get(props, "loadBalancers")) and get(props, "healthCheckGracePeriodSeconds") is None:
        yield "no health-check grace period behind the load balancer"


def _containers(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = get(props, "containerDefinitions", default="[]")
    return [c for c in as_list(json.loads(raw) if isinstance(raw, str) else raw) if isinstance(c, Mapping)]


ROOT_USERS = {"", "root", "0"}


@resource_rule("ecs-container-non-root-user", family="guardrails", types=[t.ECS_TASK_DEFINITION],
               severity=Severity.MEDIUM, refs=("pci-dss-4.0.1:2.2.6", "checkov:CKV_AWS_97", "kics:ecs-root-user"),
               description="Checks whether every container names a non-root user, or is listed in rootContainers "
                           "with the reason.",
               message="Set the container's user to a non-root uid:gid, or list it in the stack's policy config "
                       "`rootContainers` with the reason",
               settings={"rootContainers": Setting({}, {"type": "object", "additionalProperties": {"type": "string"}},
                                                   "container name -> why it runs as root")})
def non_root(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    for container in _containers(props):
        name = str(container.get("name"))
        user = str(container.get("user") or "").split(":")[0]
        if user in ROOT_USERS and name not in config["rootContainers"]:
            yield f"{name} runs as root"


DROPS = ["NET_RAW", "MKNOD", "SYS_CHROOT", "AUDIT_WRITE", "SETFCAP"]


@resource_rule("ecs-container-capabilities-dropped", family="guardrails", types=[t.ECS_TASK_DEFINITION],
               severity=Severity.MEDIUM, refs=("pci-dss-4.0.1:2.2.4", "kics:ecs-capabilities"),
               description="Checks whether every container adds no Linux capability and drops the default ones a "
                           "web or queue process never needs (requiredDrops).",
               message="Set linuxParameters.capabilities {add: [], drop: requiredDrops} on every container",
               settings={"requiredDrops": Setting(DROPS, {"type": "array", "items": {"type": "string"}},
                                                  "capabilities every container drops")})
def capabilities(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    for container in _containers(props):
        caps = get(container, "linuxParameters", "capabilities", default={})
        added = as_list(get(caps, "add"))
        if added:
            yield f"{container.get('name')} adds {', '.join(map(str, added))}"
        dropped = {str(c) for c in as_list(get(caps, "drop"))}
        missing = [c for c in config["requiredDrops"] if c not in dropped and "ALL" not in dropped]
        if missing:
            yield f"{container.get('name')} keeps {', '.join(missing)}"


# --- noticing failure ------------------------------------------------------------------------------------


@resource_rule("cloudwatch-alarm-actionable", family="guardrails", types=["aws:cloudwatch/metricAlarm:MetricAlarm"],
               severity=Severity.HIGH, control=("CloudWatch.15", "CloudWatch.17"),
               refs=("pci-dss-4.0.1:10.7.2",),
               description="Checks whether an alarm notifies someone when it fires (alarm actions present and "
                           "enabled).",
               message="Give the alarm alarm_actions (the on-call topic) and leave actions_enabled True")
def alarm_actionable(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if get(props, "actionsEnabled") is False:
        yield "actions disabled"
    if not as_list(get(props, "alarmActions")):
        yield "no alarm action"


@resource_rule("cloudwatch-alarm-missing-data-explicit", family="availability",
               types=["aws:cloudwatch/metricAlarm:MetricAlarm"], severity=Severity.LOW,
               refs=("aws-docs:alarms-missing-data",),
               description="Checks whether every alarm says what missing data means (breaching for signals whose "
                           "absence is the failure, notBreaching for counts that are zero when idle); the default "
                           "'missing' keeps an alarm in its last state while its source is gone.",
               message="Set treat_missing_data to breaching, notBreaching or ignore")
def missing_data(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    value = get(props, "treatMissingData")
    return None if value in ("breaching", "notBreaching", "ignore") else f"treatMissingData {value or 'unset'}"


@resource_rule("lb-target-group-health-check", family="availability", types=["aws:lb/targetGroup:TargetGroup",
                                                                              "aws:alb/targetGroup:TargetGroup"],
               severity=Severity.MEDIUM, refs=("aws-docs:target-group-health-checks",),
               description="Checks whether a target group health-checks a path, counts only 2xx/3xx as healthy and "
                           "takes a failing task out within maximumDetectionSeconds.",
               message="Enable health_check with a path, matcher 200-399 (no 4xx/5xx) and "
                       "interval x unhealthy_threshold <= maximumDetectionSeconds",
               settings={"maximumDetectionSeconds": Setting(120, {"type": "integer", "minimum": 10},
                                                            "longest time a failing target keeps traffic")})
def target_health(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    check = get(props, "healthCheck", default={})
    if get(check, "enabled") is False:
        yield "health check disabled"
        return
    if str(get(props, "protocol", default="HTTP")).startswith("HTTP") and not get(check, "path"):
        yield "no health-check path"
    for part in str(get(check, "matcher", default="200")).replace(",", "-").split("-"):
        if part.strip().isdigit() and int(part) >= 400:
            yield f"matcher {get(check, 'matcher')} counts errors as healthy"
            break
    interval = number(get(check, "interval", default=30)) or 30
    threshold = number(get(check, "unhealthyThreshold", default=3)) or 3
    if interval * threshold > config["maximumDetectionSeconds"]:
        yield f"a failing target keeps traffic for {interval * threshold:.0f} s"


@resource_rule("route53-health-check-fails-safe", family="availability",
               types=["aws:route53/healthCheck:HealthCheck"], severity=Severity.HIGH,
               refs=("aws-docs:route53-health-check-types",),
               description="Checks whether a health check can report a failure: not disabled, not inverted, "
                           "metric-based checks unhealthy on insufficient data, and calculated checks needing at "
                           "least one healthy child.",
               message="Leave disabled and invert_healthcheck False, set insufficient_data_health_status Unhealthy "
                       "(or LastKnownStatus) and child_health_threshold >= 1")
def health_check_safe(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if get(props, "disabled") is True:
        yield "disabled (always healthy)"
    if get(props, "invertHealthcheck") is True:
        yield "inverted"
    kind = get(props, "type")
    if kind == "CLOUDWATCH_METRIC" and get(props, "insufficientDataHealthStatus") not in ("Unhealthy",
                                                                                         "LastKnownStatus"):
        yield f"insufficient data counts as {get(props, 'insufficientDataHealthStatus') or 'Healthy'}"
    if kind == "CALCULATED":
        threshold = number(get(props, "childHealthThreshold"))
        if threshold is None or threshold < 1:
            yield "calculated check healthy with no healthy child"


@stack_rule("route53-health-check-alarm-breaches-on-missing-data", judges=["aws:cloudwatch/metricAlarm:MetricAlarm"],
            family="availability", severity=Severity.HIGH, refs=("aws-docs:route53-health-check-cloudwatch-alarm",),
            description="Checks whether every alarm a Route 53 health check reads treats missing data as breaching: "
                        "a region that stops reporting (the outage the failover is for) must fail over, not stay "
                        "healthy on an alarm that went quiet.",
            message="Set treat_missing_data='breaching' on the alarms failover health checks read")
def failover_alarms(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    for check in of_type(resources, "aws:route53/healthCheck:HealthCheck"):
        for alarm in depends_on(check, "cloudwatchAlarmName"):
            missing = known(alarm.props, "treatMissingData", unknown=UNKNOWN)
            if alarm.resource_type.endswith("MetricAlarm") and missing not in (UNKNOWN, "breaching"):
                yield alarm.urn, f"missing data is {missing or 'missing'} on an alarm a health check reads"


POLICIES = [retain_backups, rds_ca, force_delete, key_guarded, lifecycle_floor, deployment_safety, non_root,
            capabilities, alarm_actionable, missing_data, target_health, health_check_safe, failover_alarms]
