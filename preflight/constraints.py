"""What AWS rejects at create time, enforced on what the program registers.

The mock engine answers every registration; these rules then judge the registrations as AWS's
APIs would on a real `pulumi up`: names (explicit and Pulumi's auto-names) against the rules in
`components/naming.py`, enumerations, numeric ranges, cross-field rules and document-size
quotas. A violation fails the offline preview (exit 2) with the resource, the argument, the
value, the rule, the fix and the AWS page that states the rule. Values unknown during preview
are not judged.

Every rule is declared with `@constraint` (one resource) or `@stack_constraint` (several
resources: quotas per security group, per role, per log group); `CONSTRAINTS` lists them all.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from components.config import (
    FARGATE_MEMORY,
    LOG_RETENTION_DAYS,
    daily_window_minutes,
    is_daily_window,
    is_weekly_window,
    weekly_window_minutes,
    windows_overlap,
)
from components.naming import NAME_RULES

from .mocks import MANAGED_PREFIX_LIST_ENTRIES, auto_name


class Registered(Protocol):
    """What a rule reads of a registration (preflight.runner.Registration)."""

    urn: str
    type: str
    name: str
    custom: bool
    inputs: dict[str, Any]
    property_dependencies: dict[str, list[str]]
    region: str


@dataclass(frozen=True)
class Violation:
    urn: str
    type: str
    name: str
    constraint: str
    argument: str
    value: Any
    rule: str
    fix: str
    reference: str

    def __str__(self) -> str:
        value = self.value if not isinstance(self.value, str) or len(self.value) < 120 else self.value[:117] + "..."
        return (f"{self.type} {self.name}: {self.argument} = {value!r} breaks {self.constraint} "
                f"({self.rule}). Fix: {self.fix}. See {self.reference}")


# (argument, value, detail): what one rule found wrong; the detail is appended to the rule text.
Finding = tuple[str, Any, str]
ResourceCheck = Callable[[Mapping[str, Any]], Iterable[Finding]]
StackCheck = Callable[[Sequence[Registered]], Iterable[tuple[Registered, Finding]]]


@dataclass(frozen=True)
class Constraint:
    id: str
    types: tuple[str, ...]  # empty: every resource (tags)
    rule: str
    fix: str
    reference: str
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None


CONSTRAINTS: dict[str, Constraint] = {}


def constraint(id: str, types: Sequence[str], *, rule: str, fix: str, reference: str,
               ) -> Callable[[ResourceCheck], ResourceCheck]:
    def register(check: ResourceCheck) -> ResourceCheck:
        if id in CONSTRAINTS:
            raise ValueError(f"constraint {id} declared twice")
        CONSTRAINTS[id] = Constraint(id, tuple(types), rule, fix, reference, check=check)
        return check
    return register


def stack_constraint(id: str, *, rule: str, fix: str, reference: str,
                     ) -> Callable[[StackCheck], StackCheck]:
    def register(check: StackCheck) -> StackCheck:
        if id in CONSTRAINTS:
            raise ValueError(f"constraint {id} declared twice")
        CONSTRAINTS[id] = Constraint(id, (), rule, fix, reference, stack_check=check)
        return check
    return register


# --- reading inputs ---------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _get(props: Mapping[str, Any], *path: str | int) -> Any:
    value: Any = props
    for step in path:
        if isinstance(value, Mapping):
            value = value.get(step)  # type: ignore[call-overload]
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return None
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _document_size(text: Any) -> int | None:
    """Characters of a policy document as IAM counts them (whitespace excluded)."""
    if not isinstance(text, str):
        return None
    return len(re.sub(r"\s", "", text))


def _rds(id: str, rule: str, fix: str, page: str = "API_CreateDBInstance.html"
         ) -> Callable[[ResourceCheck], ResourceCheck]:
    return constraint(id, ["aws:rds/instance:Instance"], rule=rule, fix=fix,
                      reference=f"https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/{page}")


def _cache(id: str, rule: str, fix: str) -> Callable[[ResourceCheck], ResourceCheck]:
    return constraint(id, ["aws:elasticache/replicationGroup:ReplicationGroup"], rule=rule, fix=fix,
                      reference="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/"
                                "API_CreateReplicationGroup.html")


# --- names ------------------------------------------------------------------------------------

# type token -> (name property, rule kind in components/naming.py, whether Pulumi auto-names it)
NAMED: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "aws:lb/loadBalancer:LoadBalancer": (("name", "alb", True),),
    "aws:lb/targetGroup:TargetGroup": (("name", "target-group", True),),
    "aws:rds/instance:Instance": (("identifier", "rds-instance", True),
                                  ("finalSnapshotIdentifier", "rds-snapshot", False)),
    "aws:rds/parameterGroup:ParameterGroup": (("name", "rds-parameter-group", True),),
    "aws:rds/subnetGroup:SubnetGroup": (("name", "rds-subnet-group", True),),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        ("replicationGroupId", "elasticache-group", True), ("finalSnapshotIdentifier", "elasticache-snapshot", False)),
    "aws:elasticache/parameterGroup:ParameterGroup": (("name", "elasticache-parameter-group", True),),
    "aws:elasticache/subnetGroup:SubnetGroup": (("name", "elasticache-subnet-group", True),),
    "aws:opensearch/domain:Domain": (("domainName", "opensearch-domain", True),),
    "aws:s3/bucket:Bucket": (("bucket", "s3-bucket", True),),
    "aws:iam/role:Role": (("name", "iam-role", True),),
    "aws:iam/rolePolicy:RolePolicy": (("name", "iam-policy", True),),
    "aws:sns/topic:Topic": (("name", "sns-topic", True),),
    "aws:cloudwatch/logGroup:LogGroup": (("name", "log-group", True),),
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": (("name", "log-subscription-filter", True),),
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": (("name", "log-delivery", False),),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": (("policyName", "log-resource-policy", False),),
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": (("name", "log-delivery", False),),
    "aws:ecs/cluster:Cluster": (("name", "ecs-cluster", True),),
    "aws:ecs/service:Service": (("name", "ecs-service", True),),
    "aws:ecs/taskDefinition:TaskDefinition": (("family", "ecs-task-family", False),),
    "aws:ecr/repository:Repository": (("name", "ecr-repository", True),),
    "aws:wafv2/webAcl:WebAcl": (("name", "waf-web-acl", True),),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": (("name", "firehose-stream", True),),
    "aws:cloudwatch/dashboard:Dashboard": (("dashboardName", "cloudwatch-dashboard", False),),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (("name", "cloudwatch-alarm", True),),
    "aws:ssm/parameter:Parameter": (("name", "ssm-parameter", True),),
    "aws:kms/alias:Alias": (("name", "kms-alias", False),),
    "aws:ec2/securityGroup:SecurityGroup": (("name", "security-group", True),),
    "aws:cloudfront/originAccessControl:OriginAccessControl": (("name", "cloudfront-oac", True),),
}


def physical_names(reg: Registered) -> list[tuple[str, str, str, bool]]:
    """(property, rule kind, name, explicit) for each name AWS will hold for this resource."""
    found = []
    for prop, kind, autonamed in NAMED.get(reg.type, ()):
        value = reg.inputs.get(prop)
        if isinstance(value, str):
            found.append((prop, kind, value, True))
        elif value is None and autonamed and prop not in ("finalSnapshotIdentifier",):
            found.append((prop, kind, auto_name(reg.type, reg.name), False))
    return found


def _name_constraint(kind: str) -> None:
    rule = NAME_RULES[kind]
    tokens = [t for t, props in NAMED.items() if any(k == kind for _, k, _ in props)]
    # No per-props check: an auto-name needs the logical name, so `check_all` judges names.
    CONSTRAINTS[f"name-{kind}"] = Constraint(
        f"name-{kind}", tuple(tokens), f"{rule.min_length}-{rule.max_length} characters matching {rule.pattern}"
        + (f"; {rule.note}" if rule.note else ""),
        "derive the name with components.naming.physical_name (it shortens with a hash), or shorten the "
        "logical name of an auto-named resource", rule.reference)


for _kind in sorted({k for props in NAMED.values() for _, k, _ in props}):
    _name_constraint(_kind)


def _name_findings(reg: Registered) -> Iterable[tuple[str, Finding]]:
    for prop, kind, name, explicit in physical_names(reg):
        for problem in NAME_RULES[kind].problems(name):
            how = "" if explicit else " (Pulumi's auto-name from the logical name)"
            yield f"name-{kind}", (prop, name, problem + how)


# --- RDS ---------------------------------------------------------------------------------------

PI_RETENTION = {7, 731, *(31 * m for m in range(1, 24))}
MONITORING_INTERVALS = {0, 1, 5, 10, 15, 30, 60}


@_rds("rds-performance-insights-retention", "7, 31 x months (1-23) or 731 days",
      "set performance_insights_retention_period to 7, a multiple of 31 up to 713, or 731")
def _rds_pi_retention(props: Mapping[str, Any]) -> Iterable[Finding]:
    days = _num(props.get("performanceInsightsRetentionPeriod"))
    if props.get("performanceInsightsEnabled") is True and days is not None and int(days) not in PI_RETENTION:
        yield "performanceInsightsRetentionPeriod", days, "not an accepted retention"


@_rds("rds-database-insights-advanced", "advanced mode needs Performance Insights with at least 465 days",
      "enable Performance Insights with retention 465 or more, or use databaseInsightsMode standard")
def _rds_insights(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("databaseInsightsMode") != "advanced":
        return
    days = _num(props.get("performanceInsightsRetentionPeriod"))
    if props.get("performanceInsightsEnabled") is not True:
        yield "performanceInsightsEnabled", props.get("performanceInsightsEnabled"), "advanced mode without PI"
    elif days is not None and days < 465:
        yield "performanceInsightsRetentionPeriod", days, "below 465 in advanced mode"


@_rds("rds-monitoring-interval", "0, 1, 5, 10, 15, 30 or 60 seconds; a monitoring role exactly when above 0",
      "set monitoring_interval to an accepted value, and monitoring_role_arn only when it is above 0")
def _rds_monitoring(props: Mapping[str, Any]) -> Iterable[Finding]:
    interval = _num(props.get("monitoringInterval"))
    if interval is None:
        return
    if int(interval) not in MONITORING_INTERVALS:
        yield "monitoringInterval", interval, "not an accepted interval"
    elif interval > 0 and "monitoringRoleArn" not in props:
        yield "monitoringRoleArn", None, "enhanced monitoring without a role"
    elif interval == 0 and props.get("monitoringRoleArn"):
        yield "monitoringRoleArn", props.get("monitoringRoleArn"), "a role with monitoring off (interval 0)"


def _window_findings(props: Mapping[str, Any], daily_key: str, weekly_key: str, daily_min: int,
                     weekly_min: int) -> Iterable[Finding]:
    daily, weekly = _str(props.get(daily_key)), _str(props.get(weekly_key))
    if daily is not None:
        if not is_daily_window(daily):
            yield daily_key, daily, "not hh24:mi-hh24:mi"
        elif daily_window_minutes(daily) < daily_min:
            yield daily_key, daily, f"{daily_window_minutes(daily)} minutes, below {daily_min}"
    if weekly is not None:
        if not is_weekly_window(weekly):
            yield weekly_key, weekly, "not ddd:hh24:mi-ddd:hh24:mi"
        elif weekly_window_minutes(weekly) < weekly_min:
            yield weekly_key, weekly, f"{weekly_window_minutes(weekly)} minutes, below {weekly_min}"
    if daily and weekly and is_daily_window(daily) and is_weekly_window(weekly) and windows_overlap(daily, weekly):
        yield weekly_key, weekly, f"overlaps {daily_key} {daily}"


@_rds("rds-windows", "backup and maintenance windows in UTC, each at least 30 minutes, not overlapping",
      "widen the window to 30 minutes or more and move the maintenance window clear of the backup window")
def _rds_windows(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _window_findings(props, "backupWindow", "maintenanceWindow", 30, 30)


def _outside(props: Mapping[str, Any], key: str, low: float, high: float) -> Iterable[Finding]:
    value = _num(props.get(key))
    if value is not None and not low <= value <= high:
        yield key, value, f"outside {low:g}-{high:g}"


@_rds("rds-backup-retention", "0-35 days", "set backup_retention_period between 0 and 35")
def _rds_retention(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _outside(props, "backupRetentionPeriod", 0, 35)


@_rds("rds-multi-az-no-zone", "a Multi-AZ instance may not name an availability zone",
      "drop availability_zone (RDS places the standby) or set multi_az=False")
def _rds_multi_az_zone(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("multiAz") is True and props.get("availabilityZone"):
        yield "availabilityZone", props.get("availabilityZone"), "set together with multiAz"


@_rds("rds-storage", "gp3 MySQL storage 20-65536 GiB; the autoscaling threshold at least 10 % above it",
      "set allocated_storage within 20-65536 and max_allocated_storage at least 10 % higher",
      "API_CreateDBInstance.html#RDS-CreateDBInstance-request-MaxAllocatedStorage")
def _rds_storage(props: Mapping[str, Any]) -> Iterable[Finding]:
    allocated, maximum = _num(props.get("allocatedStorage")), _num(props.get("maxAllocatedStorage"))
    if allocated is not None and not 20 <= allocated <= 65536:
        yield "allocatedStorage", allocated, "outside 20-65536 GiB"
    if allocated is not None and maximum and maximum < allocated * 1.1:
        yield "maxAllocatedStorage", maximum, f"less than 10 % above {allocated:.0f}"


@_rds("rds-encryption-key", "a KMS key needs storage encryption on", "set storage_encrypted=True with kms_key_id")
def _rds_key(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("kmsKeyId") and props.get("storageEncrypted") is False:
        yield "storageEncrypted", False, "kmsKeyId given"


@_rds("rds-mysql-credentials", "MySQL: user 1-16 letters/digits/_ from a letter; password 8-41 printable "
      "characters without / \" @ or space; database name 1-64 letters/digits/_ from a letter",
      "change the user, password alphabet or database name")
def _rds_credentials(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("engine") != "mysql":
        return
    user, password, db = _str(props.get("username")), _str(props.get("password")), _str(props.get("dbName"))
    if user is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,15}", user):
        yield "username", user, "not a valid MySQL master user"
    if (password is not None and not re.fullmatch(r"[\x21-\x7e]{8,41}", password)) or \
            (password is not None and re.search(r'[/"@ ]', password)):
        yield "password", "(secret)", "length or characters not accepted"
    if db is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", db):
        yield "dbName", db, "not a valid MySQL database name"


# --- ElastiCache --------------------------------------------------------------------------------

REDIS_TOKEN = re.compile(r"[A-Za-z0-9!&#$^<>-]{16,128}")


@_cache("elasticache-failover", "automatic failover and Multi-AZ need at least 2 nodes; Multi-AZ needs failover",
        "set num_cache_clusters >= 2 and automatic_failover_enabled=True with multi_az_enabled")
def _cache_failover(props: Mapping[str, Any]) -> Iterable[Finding]:
    nodes = _num(props.get("numCacheClusters"))
    if props.get("multiAzEnabled") is True and props.get("automaticFailoverEnabled") is not True:
        yield "automaticFailoverEnabled", props.get("automaticFailoverEnabled"), "Multi-AZ without failover"
    if (props.get("automaticFailoverEnabled") is True or props.get("multiAzEnabled") is True) \
            and nodes is not None and nodes < 2:
        yield "numCacheClusters", nodes, "failover with a single node"
    if nodes is not None and not 1 <= nodes <= 6:
        yield "numCacheClusters", nodes, "outside 1-6"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


@_cache("elasticache-transit-encryption", "transit_encryption_mode needs transit encryption on and Redis OSS "
        "7.0.5+ (or Valkey); an AUTH token needs transit encryption and 16-128 characters of "
        "letters, digits and !&#$^<>-", "enable transit encryption, raise the engine version, or fix the token")
def _cache_transit(props: Mapping[str, Any]) -> Iterable[Finding]:
    version = _str(props.get("engineVersion"))
    if props.get("transitEncryptionMode") is not None:
        if props.get("transitEncryptionEnabled") is not True:
            yield "transitEncryptionEnabled", props.get("transitEncryptionEnabled"), "mode set without encryption"
        parts = _version_tuple(version or "")
        # "7.0" asks for the newest 7.0 patch (7.0.7), which qualifies; "6.2" or "7.0.4" do not.
        if props.get("engine", "redis") == "redis" and parts and (parts[:2] < (7, 0) or (
                len(parts) == 3 and parts < (7, 0, 5))):
            yield "engineVersion", version, "transit encryption mode needs Redis OSS 7.0.5 or later"
    token = props.get("authToken")
    if isinstance(token, str):
        if props.get("transitEncryptionEnabled") is not True:
            yield "authToken", "(secret)", "AUTH without transit encryption"
        if not REDIS_TOKEN.fullmatch(token):
            yield "authToken", "(secret)", "length or characters not accepted"


@_cache("elasticache-windows", "snapshot and maintenance windows in UTC, each at least 60 minutes, not "
        "overlapping", "widen the window to 60 minutes or more and keep them apart")
def _cache_windows(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _window_findings(props, "snapshotWindow", "maintenanceWindow", 60, 60)


@_cache("elasticache-snapshot-retention", "0-35 days", "set snapshot_retention_limit between 0 and 35")
def _cache_retention(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _outside(props, "snapshotRetentionLimit", 0, 35)


# --- OpenSearch ---------------------------------------------------------------------------------

OPENSEARCH = ["aws:opensearch/domain:Domain"]
OPENSEARCH_TLS = {"Policy-Min-TLS-1-0-2019-07", "Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"}
OPENSEARCH_API = "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_CreateDomain.html"


@constraint("opensearch-zones", OPENSEARCH, rule="zone awareness over 2 or 3 zones: data nodes a multiple of "
            "the zone count, one subnet per zone", fix="set instance_count to a multiple of "
            "availability_zone_count and pass exactly that many subnets",
            reference="https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-"
                      "multiaz.html")
def _opensearch_zones(props: Mapping[str, Any]) -> Iterable[Finding]:
    cluster = props.get("clusterConfig") or {}
    if cluster.get("zoneAwarenessEnabled") is not True:
        return
    zones = _num(_get(cluster, "zoneAwarenessConfig", "availabilityZoneCount")) or 2.0
    count = _num(cluster.get("instanceCount"))
    if zones not in (2.0, 3.0):
        yield "clusterConfig.zoneAwarenessConfig.availabilityZoneCount", zones, "not 2 or 3"
    if count is not None and count % zones:
        yield "clusterConfig.instanceCount", count, f"not a multiple of {zones:.0f} zones"
    subnets = _get(props, "vpcOptions", "subnetIds")
    if isinstance(subnets, list) and all(isinstance(s, str) for s in subnets) and len(subnets) != zones:
        yield "vpcOptions.subnetIds", len(subnets), f"{len(subnets)} subnets for {zones:.0f} zones"


@constraint("opensearch-dedicated-masters", OPENSEARCH, rule="dedicated master nodes: 3 or 5, with a type",
            fix="set dedicated_master_count to 3 (or 5) and dedicated_master_type",
            reference="https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-"
                      "dedicatedmasternodes.html")
def _opensearch_masters(props: Mapping[str, Any]) -> Iterable[Finding]:
    cluster = props.get("clusterConfig") or {}
    if cluster.get("dedicatedMasterEnabled") is True:
        count = _num(cluster.get("dedicatedMasterCount"))
        if count not in (3.0, 5.0):
            yield "clusterConfig.dedicatedMasterCount", count, "not 3 or 5"
        if not cluster.get("dedicatedMasterType"):
            yield "clusterConfig.dedicatedMasterType", None, "missing"


@constraint("opensearch-security", OPENSEARCH, rule="fine-grained access control needs node-to-node "
            "encryption, encryption at rest and HTTPS; the TLS policy one AWS offers",
            fix="enable node_to_node_encryption, encrypt_at_rest, enforce_https and pick a listed TLS policy",
            reference=OPENSEARCH_API)
def _opensearch_security(props: Mapping[str, Any]) -> Iterable[Finding]:
    policy = _get(props, "domainEndpointOptions", "tlsSecurityPolicy")
    if isinstance(policy, str) and policy not in OPENSEARCH_TLS:
        yield "domainEndpointOptions.tlsSecurityPolicy", policy, f"not one of {sorted(OPENSEARCH_TLS)}"
    if _get(props, "advancedSecurityOptions", "enabled") is True:
        for path in (("nodeToNodeEncryption", "enabled"), ("encryptAtRest", "enabled"),
                     ("domainEndpointOptions", "enforceHttps")):
            if _get(props, *path) is not True:
                yield ".".join(path), _get(props, *path), "required by fine-grained access control"


# --- WAF ----------------------------------------------------------------------------------------

WAF_API = "https://docs.aws.amazon.com/waf/latest/APIReference/"


@constraint("waf-rules", ["aws:wafv2/webAcl:WebAcl"], rule="rule names and priorities unique within the ACL; "
            "metric names of [\\w#:.-/] and not All or Default_Action; rate limits 10-2,000,000,000 over 60, 120, "
            "300 or 600 s; scope REGIONAL or CLOUDFRONT", fix="rename or renumber the rule, fix the metric name "
            "or the rate settings", reference=WAF_API + "API_CreateWebACL.html")
def _waf_rules(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("scope") not in ("REGIONAL", "CLOUDFRONT", None):
        yield "scope", props.get("scope"), "not REGIONAL or CLOUDFRONT"
    rules = [r for r in _list(props.get("rules")) if isinstance(r, Mapping)]
    metric_rule = NAME_RULES["waf-metric"]
    metrics = [("visibilityConfig.metricName", _get(props, "visibilityConfig", "metricName"))]
    for kind, seen in (("name", set()), ("priority", set())):  # type: ignore[var-annotated]
        for rule in rules:
            value = rule.get(kind)
            if value in seen:
                yield f"rules[].{kind}", value, f"duplicate {kind}"
            seen.add(value)
    for index, rule in enumerate(rules):
        metrics.append((f"rules[{index}].visibilityConfig.metricName", _get(rule, "visibilityConfig", "metricName")))
        rate = _get(rule, "statement", "rateBasedStatement")
        if isinstance(rate, Mapping):
            limit, window = _num(rate.get("limit")), _num(rate.get("evaluationWindowSec"))
            if limit is not None and not 10 <= limit <= 2_000_000_000:
                yield f"rules[{index}].statement.rateBasedStatement.limit", limit, "outside 10-2,000,000,000"
            if window is not None and window not in (60.0, 120.0, 300.0, 600.0):
                yield f"rules[{index}].statement.rateBasedStatement.evaluationWindowSec", window, "not 60/120/300/600"
    for where, metric in metrics:
        if isinstance(metric, str):
            problems = metric_rule.problems(metric) + (["reserved"] if metric in ("All", "Default_Action") else [])
            for problem in problems:
                yield where, metric, problem


@constraint("waf-logging-destination", ["aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"],
            rule="a CloudWatch Logs destination's log group name starts with aws-waf-logs-",
            fix="name the log group aws-waf-logs-<something>", reference=WAF_API + "API_PutLoggingConfiguration.html")
def _waf_logging(props: Mapping[str, Any]) -> Iterable[Finding]:
    for arn in _list(props.get("logDestinationConfigs")):
        if isinstance(arn, str) and ":log-group:" in arn and ":log-group:aws-waf-logs-" not in arn:
            yield "logDestinationConfigs", arn, "log group without the aws-waf-logs- prefix"


# --- IAM ----------------------------------------------------------------------------------------

IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
TRUST_POLICY_MAX, INLINE_POLICIES_MAX, MANAGED_POLICIES_MAX = 2048, 10240, 10


@constraint("iam-role-settings", ["aws:iam/role:Role"], rule=f"trust policy at most {TRUST_POLICY_MAX} "
            "characters (whitespace excluded); description at most 1000; sessions 3600-43200 s; path / or "
            "/segments/ of printable ASCII up to 512", fix="shorten the trust policy or description, or fix "
            "the session length or path", reference=IAM_QUOTAS)
def _iam_role(props: Mapping[str, Any]) -> Iterable[Finding]:
    size = _document_size(props.get("assumeRolePolicy"))
    if size is not None and size > TRUST_POLICY_MAX:
        yield "assumeRolePolicy", f"{size} characters", f"above {TRUST_POLICY_MAX}"
    description = _str(props.get("description"))
    if description is not None and len(description) > 1000:
        yield "description", f"{len(description)} characters", "above 1000"
    session = _num(props.get("maxSessionDuration"))
    if session is not None and not 3600 <= session <= 43200:
        yield "maxSessionDuration", session, "outside 3600-43200"
    path = _str(props.get("path"))
    if path is not None and (len(path) > 512 or not re.fullmatch(r"/([\x21-\x7e]*/)?", path)):
        yield "path", path, "not / or /segments/"


def _targets(reg: Registered, prop: str, by_urn: Mapping[str, Registered]) -> list[Registered]:
    return [by_urn[u] for u in reg.property_dependencies.get(prop, []) if u in by_urn]


@stack_constraint("iam-role-policy-quotas", rule=f"inline policies of one role at most {INLINE_POLICIES_MAX} "
                  f"characters together (whitespace excluded); at most {MANAGED_POLICIES_MAX} managed policies "
                  "attached (default quota)", fix="merge statements into a managed policy, or split the role",
                  reference=IAM_QUOTAS)
def _iam_role_quotas(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    by_urn = {r.urn: r for r in resources}
    inline: dict[str, int] = defaultdict(int)
    attached: dict[str, int] = defaultdict(int)
    for reg in resources:
        if reg.type == "aws:iam/rolePolicy:RolePolicy":
            for role in _targets(reg, "role", by_urn):
                inline[role.urn] += _document_size(reg.inputs.get("policy")) or 0
        elif reg.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            for role in _targets(reg, "role", by_urn):
                attached[role.urn] += 1
    for urn, size in inline.items():
        if size > INLINE_POLICIES_MAX:
            yield by_urn[urn], ("inline policies", f"{size} characters", f"above {INLINE_POLICIES_MAX}")
    for urn, count in attached.items():
        if count > MANAGED_POLICIES_MAX:
            yield by_urn[urn], ("managed policy attachments", count, f"above {MANAGED_POLICIES_MAX}")


# --- S3 -----------------------------------------------------------------------------------------

S3_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"


@constraint("s3-bucket-policy-size", ["aws:s3/bucketPolicy:BucketPolicy"], rule="a bucket policy is at most 20 KB",
            fix="merge statements or move grants to IAM policies", reference=S3_GUIDE + "bucket-policies.html")
def _bucket_policy_size(props: Mapping[str, Any]) -> Iterable[Finding]:
    policy = props.get("policy")
    if isinstance(policy, str) and len(policy.encode()) > 20 * 1024:
        yield "policy", f"{len(policy.encode())} bytes", "above 20480"


@constraint("s3-lifecycle-transitions", ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
            rule="objects move to STANDARD_IA or ONEZONE_IA after at least 30 days; expiration after every "
                 "transition", fix="transition to IA at 30 days or later and expire after the last transition",
            reference=S3_GUIDE + "lifecycle-transition-general-considerations.html")
def _lifecycle(props: Mapping[str, Any]) -> Iterable[Finding]:
    for index, rule in enumerate(_list(props.get("rules"))):
        days = []
        for transition in _list(_get(rule, "transitions")):
            day = _num(_get(transition, "days"))
            if day is None:
                continue
            days.append(day)
            if _get(transition, "storageClass") in ("STANDARD_IA", "ONEZONE_IA") and day < 30:
                yield f"rules[{index}].transitions", day, f"{_get(transition, 'storageClass')} before 30 days"
        expiry = _num(_get(rule, "expiration", "days"))
        if expiry is not None and days and expiry <= max(days):
            yield f"rules[{index}].expiration.days", expiry, f"not after the transition at {max(days):.0f} days"


# --- SSM, KMS, logs, alarms -----------------------------------------------------------------------


@constraint("ssm-parameter-value", ["aws:ssm/parameter:Parameter"], rule="type String, StringList or "
            "SecureString; a Standard value at most 4 KB (Advanced 8 KB); description at most 1024",
            fix="use tier Advanced for larger values, or store the value elsewhere",
            reference="https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html")
def _ssm(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("type") not in ("String", "StringList", "SecureString", None):
        yield "type", props.get("type"), "not a parameter type"
    value = props.get("value")
    limit = 8192 if props.get("tier") == "Advanced" else 4096
    if isinstance(value, str) and len(value.encode()) > limit:
        yield "value", f"{len(value.encode())} bytes", f"above {limit} for tier {props.get('tier', 'Standard')}"
    description = _str(props.get("description"))
    if description is not None and len(description) > 1024:
        yield "description", f"{len(description)} characters", "above 1024"


@constraint("kms-key-settings", ["aws:kms/key:Key"], rule="deletion window 7-30 days; rotation period "
            "90-2560 days", fix="set deletion_window_in_days and rotation_period_in_days within range",
            reference="https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html")
def _kms(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _outside(props, "deletionWindowInDays", 7, 30)
    yield from _outside(props, "rotationPeriodInDays", 90, 2560)


@constraint("log-group-retention", ["aws:cloudwatch/logGroup:LogGroup"], rule="retention one of "
            + ", ".join(map(str, LOG_RETENTION_DAYS)), fix="pick an accepted retention (logRetentionDays)",
            reference="https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/"
                      "API_PutRetentionPolicy.html")
def _log_retention(props: Mapping[str, Any]) -> Iterable[Finding]:
    days = _num(props.get("retentionInDays"))
    if days is not None and days not in LOG_RETENTION_DAYS:
        yield "retentionInDays", days, "not an accepted retention"


@stack_constraint("log-subscription-filters-per-group", rule="at most 2 subscription filters per log group",
                  fix="feed one destination per log group", reference="https://docs.aws.amazon.com/"
                  "AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html")
def _subscriptions(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    per_group: dict[Any, list[Registered]] = defaultdict(list)
    for reg in resources:
        if reg.type == "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter":
            group = reg.inputs.get("logGroup")
            key = tuple(reg.property_dependencies.get("logGroup", [])) or group
            if key:
                per_group[key if isinstance(key, (str, tuple)) else str(key)].append(reg)
    for group, filters in per_group.items():
        if len(filters) > 2:
            yield filters[-1], ("logGroup", group if isinstance(group, str) else filters[-1].inputs.get("logGroup"),
                                f"{len(filters)} filters")


ALARM_STATISTICS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
ALARM_COMPARISONS = {"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                     "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
                     "LessThanLowerThreshold", "GreaterThanUpperThreshold"}
ALARM_MISSING = {"breaching", "notBreaching", "ignore", "missing"}
ALARM_UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
               "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
               "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
               "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
               "Count/Second", "None"}


@constraint("cloudwatch-alarm-settings", ["aws:cloudwatch/metricAlarm:MetricAlarm"], rule="period 10, 20, 30 or a "
            "multiple of 60 s; period x evaluation periods at most one day; statistic, comparison, unit and "
            "missing-data treatment from AWS's lists; at most 5 actions per state",
            fix="fix the period, statistic, comparison, unit or actions",
            reference="https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html")
def _alarm(props: Mapping[str, Any]) -> Iterable[Finding]:
    period, periods = _num(props.get("period")), _num(props.get("evaluationPeriods"))
    if period is not None and not (period in (10.0, 20.0, 30.0) or (period >= 60 and period % 60 == 0)):
        yield "period", period, "not 10, 20, 30 or a multiple of 60"
    if period is not None and periods is not None and (periods < 1 or period * periods > 86400):
        yield "evaluationPeriods", periods, f"{periods:.0f} x {period:.0f} s is not within one day"
    for key, allowed in (("statistic", ALARM_STATISTICS), ("comparisonOperator", ALARM_COMPARISONS),
                         ("treatMissingData", ALARM_MISSING), ("unit", ALARM_UNITS)):
        value = props.get(key)
        if isinstance(value, str) and value not in allowed:
            yield key, value, "not an accepted value"
    for key in ("alarmActions", "okActions", "insufficientDataActions"):
        if len(_list(props.get(key))) > 5:
            yield key, len(_list(props.get(key))), "more than 5 actions"


# --- load balancing, ECS, autoscaling ----------------------------------------------------------------

ELB_API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"


@constraint("target-group-health-check", ["aws:lb/targetGroup:TargetGroup"], rule="interval 5-300 s, timeout "
            "2-120 s and below the interval, thresholds 2-10, deregistration delay 0-3600 s",
            fix="adjust the health check", reference=ELB_API + "API_CreateTargetGroup.html")
def _target_group(props: Mapping[str, Any]) -> Iterable[Finding]:
    check = props.get("healthCheck") or {}
    interval, timeout = _num(check.get("interval")), _num(check.get("timeout"))
    if interval is not None and not 5 <= interval <= 300:
        yield "healthCheck.interval", interval, "outside 5-300"
    if timeout is not None and (not 2 <= timeout <= 120 or (interval is not None and timeout >= interval)):
        yield "healthCheck.timeout", timeout, "outside 2-120 or not below the interval"
    for key in ("healthyThreshold", "unhealthyThreshold"):
        value = _num(check.get(key))
        if value is not None and not 2 <= value <= 10:
            yield f"healthCheck.{key}", value, "outside 2-10"
    delay = _num(props.get("deregistrationDelay"))
    if delay is not None and not 0 <= delay <= 3600:
        yield "deregistrationDelay", delay, "outside 0-3600"


@constraint("load-balancer-settings", ["aws:lb/loadBalancer:LoadBalancer"], rule="an application load balancer "
            "in subnets of at least 2 zones; idle timeout 1-4000 s", fix="give the ALB one subnet per zone "
            "(2 or more) and a valid idle timeout", reference=ELB_API + "API_CreateLoadBalancer.html")
def _load_balancer(props: Mapping[str, Any]) -> Iterable[Finding]:
    subnets = props.get("subnets")
    if props.get("loadBalancerType", "application") == "application" and isinstance(subnets, list) \
            and len(subnets) < 2:
        yield "subnets", len(subnets), "fewer than 2 zones"
    idle = _num(props.get("idleTimeout"))
    if idle is not None and not 1 <= idle <= 4000:
        yield "idleTimeout", idle, "outside 1-4000"


@constraint("listener-settings", ["aws:lb/listener:Listener"], rule="an HTTPS listener needs a certificate and a "
            "security policy; ports 1-65535", fix="set certificate_arn and ssl_policy on HTTPS listeners",
            reference=ELB_API + "API_CreateListener.html")
def _listener(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("protocol") == "HTTPS":
        for key in ("certificateArn", "sslPolicy"):
            if key not in props:
                yield key, None, "missing on an HTTPS listener"
    port = _num(props.get("port"))
    if port is not None and not 1 <= port <= 65535:
        yield "port", port, "outside 1-65535"


@stack_constraint("listener-rule-priorities", rule="listener rule priorities 1-50000, unique per listener",
                  fix="renumber the rules", reference=ELB_API + "API_CreateRule.html")
def _rule_priorities(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    seen: dict[tuple[Any, float], Registered] = {}
    for reg in resources:
        if reg.type != "aws:lb/listenerRule:ListenerRule":
            continue
        priority = _num(reg.inputs.get("priority"))
        if priority is None:
            continue
        if not 1 <= priority <= 50000:
            yield reg, ("priority", priority, "outside 1-50000")
        listener = tuple(reg.property_dependencies.get("listenerArn", [])) or str(reg.inputs.get("listenerArn"))
        if (listener, priority) in seen:
            yield reg, ("priority", priority, f"also used by {seen[(listener, priority)].name}")
        seen[(listener, priority)] = reg


@constraint("ecs-task-size", ["aws:ecs/taskDefinition:TaskDefinition"], rule="a Fargate task's CPU and memory "
            "from AWS's table of combinations", fix="pick a listed CPU/memory pair",
            reference="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html"
                      "#fargate-tasks-size")
def _task_size(props: Mapping[str, Any]) -> Iterable[Finding]:
    if "FARGATE" not in _list(props.get("requiresCompatibilities")):
        return
    cpu, memory = _num(props.get("cpu")), _num(props.get("memory"))
    if cpu is not None and memory is not None and int(memory) not in FARGATE_MEMORY.get(int(cpu), ()):
        yield "memory", memory, f"not valid with cpu {cpu:.0f}"


@constraint("ecs-service-settings", ["aws:ecs/service:Service"], rule="a health-check grace period only with a "
            "load balancer; minimum healthy 0-100 % and maximum at least 100 %", fix="drop the grace period "
            "or attach a target group; fix the deployment percentages",
            reference="https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html")
def _ecs_service(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("healthCheckGracePeriodSeconds") is not None and not _list(props.get("loadBalancers")):
        yield "healthCheckGracePeriodSeconds", props.get("healthCheckGracePeriodSeconds"), "no load balancer"
    low, high = _num(props.get("deploymentMinimumHealthyPercent")), _num(props.get("deploymentMaximumPercent"))
    if low is not None and not 0 <= low <= 100:
        yield "deploymentMinimumHealthyPercent", low, "outside 0-100"
    if high is not None and high < 100:
        yield "deploymentMaximumPercent", high, "below 100"


@constraint("autoscaling-capacity", ["aws:appautoscaling/target:Target"], rule="min capacity at most max capacity",
            fix="raise maxCount or lower minCount", reference="https://docs.aws.amazon.com/autoscaling/"
            "application/APIReference/API_RegisterScalableTarget.html")
def _scaling(props: Mapping[str, Any]) -> Iterable[Finding]:
    low, high = _num(props.get("minCapacity")), _num(props.get("maxCapacity"))
    if low is not None and high is not None and low > high:
        yield "minCapacity", low, f"above maxCapacity {high:.0f}"


# --- network, DNS, CDN ---------------------------------------------------------------------------

VPC_QUOTAS = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups"
RULES_PER_GROUP = 60


@stack_constraint("security-group-rule-quota", rule=f"at most {RULES_PER_GROUP} inbound and {RULES_PER_GROUP} "
                  "outbound rules per group and IP version; a rule naming a prefix list counts its maximum entries",
                  fix="reference a security group instead of CIDRs, or split the rules over groups",
                  reference=VPC_QUOTAS)
def _rule_quota(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    by_urn = {r.urn: r for r in resources}
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    directions = {"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "inbound",
                  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "outbound"}
    for reg in resources:
        direction = directions.get(reg.type)
        if direction is None:
            continue
        prefix_list = reg.inputs.get("prefixListId")
        weight = MANAGED_PREFIX_LIST_ENTRIES.get(prefix_list, 1) if isinstance(prefix_list, str) else 1
        family = "IPv6" if reg.inputs.get("cidrIpv6") else "IPv4"
        for group in _targets(reg, "securityGroupId", by_urn):
            counts[(group.urn, direction, family)] += weight
    for (urn, direction, family), count in counts.items():
        if count > RULES_PER_GROUP:
            yield by_urn[urn], (f"{direction} {family} rules", count, f"above {RULES_PER_GROUP}")


@constraint("vpc-cidr-size", ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet"], rule="an IPv4 block between /16 and /28",
            fix="use a /16 to /28 block", reference="https://docs.aws.amazon.com/vpc/latest/userguide/"
            "vpc-cidr-blocks.html")
def _cidr(props: Mapping[str, Any]) -> Iterable[Finding]:
    cidr = _str(props.get("cidrBlock"))
    if cidr and "/" in cidr and not 16 <= int(cidr.rsplit("/", 1)[1]) <= 28:
        yield "cidrBlock", cidr, "prefix outside /16-/28"


@constraint("route53-record", ["aws:route53/record:Record"], rule="an alias record has no TTL or records; any "
            "other record needs both", fix="drop ttl/records from alias records, or add them",
            reference="https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html")
def _record(props: Mapping[str, Any]) -> Iterable[Finding]:
    if _list(props.get("aliases")):
        for key in ("ttl", "records"):
            if props.get(key) is not None:
                yield key, props.get(key), "set on an alias record"
    elif props.get("ttl") is None or props.get("records") is None:
        yield "ttl/records", None, "missing on a non-alias record"


CLOUDFRONT_PROTOCOLS = {"SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019",
                        "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}


@constraint("cloudfront-viewer-certificate", ["aws:cloudfront/distribution:Distribution"],
            rule="an ACM certificate needs an SSL support method and a known minimum protocol version",
            fix="set ssl_support_method='sni-only' and a listed minimum_protocol_version",
            reference="https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html")
def _viewer_certificate(props: Mapping[str, Any]) -> Iterable[Finding]:
    certificate = props.get("viewerCertificate") or {}
    if certificate.get("acmCertificateArn") is not None and certificate.get("sslSupportMethod") is None:
        yield "viewerCertificate.sslSupportMethod", None, "missing with an ACM certificate"
    version = certificate.get("minimumProtocolVersion")
    if isinstance(version, str) and version not in CLOUDFRONT_PROTOCOLS:
        yield "viewerCertificate.minimumProtocolVersion", version, "not a CloudFront security policy"


# --- tags ------------------------------------------------------------------------------------------

TAG_CHARACTERS = re.compile(r"[\w .:/=+\-@]*", re.UNICODE)


@constraint("tags", [], rule="at most 50 tags; keys 1-128 and values at most 256 characters of letters, digits, "
            "spaces and _ . : / = + - @; no aws: prefix on keys", fix="trim the tags (components/tagging.py)",
            reference="https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html")
def _tags(props: Mapping[str, Any]) -> Iterable[Finding]:
    tags = props.get("tags")
    if not isinstance(tags, Mapping):
        return
    if len(tags) > 50:
        yield "tags", len(tags), "more than 50"
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:") or not TAG_CHARACTERS.fullmatch(key):
            yield "tags", key, "key length, characters or aws: prefix"
        if isinstance(value, str) and (len(value) > 256 or not TAG_CHARACTERS.fullmatch(value)):
            yield f"tags.{key}", value, "value length or characters"


# --- the engine side --------------------------------------------------------------------------------


# Names in one namespace per account; every other kind is per region, except names that live
# inside a parent judged already (a role's inline policies, a cluster's services, a log group's
# subscription filters).
GLOBAL_KINDS = {"s3-bucket", "iam-role", "cloudfront-oac"}
SCOPED_KINDS = {"iam-policy", "ecs-service", "log-subscription-filter"}


def name_key(kind: str, name: str, region: str) -> tuple[str, str, str]:
    return kind, name.lower(), "" if kind in GLOBAL_KINDS else region


def _unique_names(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    seen: dict[tuple[str, str, str], Registered] = {}
    for reg in resources:
        for prop, kind, name, explicit in physical_names(reg):
            if not explicit or kind in SCOPED_KINDS:
                continue
            key = name_key(kind, name, reg.region)
            if key in seen:
                yield reg, (prop, name, f"also the name of {seen[key].name}")
            seen[key] = reg


CONSTRAINTS["unique-names"] = Constraint(
    "unique-names", (), "physical names unique per kind within the stack",
    "derive each name from distinct parts", "https://docs.aws.amazon.com/general/latest/gr/aws-arns-and-"
    "namespaces.html", stack_check=_unique_names)


def check_all(resources: Sequence[Registered]) -> list[Violation]:
    """Every create-time violation among the stack's custom resources."""
    custom = [r for r in resources if r.custom]
    found: list[Violation] = []

    def add(reg: Registered, constraint_id: str, finding: Finding) -> None:
        c = CONSTRAINTS[constraint_id]
        argument, value, detail = finding
        found.append(Violation(reg.urn, reg.type, reg.name, c.id, argument, value,
                               f"{c.rule}: {detail}" if detail else c.rule, c.fix, c.reference))

    for reg in custom:
        for constraint_id, finding in _name_findings(reg):
            add(reg, constraint_id, finding)
        for c in CONSTRAINTS.values():
            if c.check is None or (c.types and reg.type not in c.types):
                continue
            if not c.types and not reg.type.startswith("aws:"):
                continue
            for finding in c.check(reg.inputs):
                add(reg, c.id, finding)
    for c in CONSTRAINTS.values():
        if c.stack_check is not None:
            for reg, finding in c.stack_check(custom):
                add(reg, c.id, finding)
    return found


def describe(violations: Sequence[Violation]) -> str:
    lines = [f"{len(violations)} create-time constraint violation(s): AWS would reject these at `pulumi up`"]
    lines += [f"  - {v}" for v in violations]
    return "\n".join(lines)

