"""Guardrails a security reviewer checks first, per service: containers without host access,
databases that log, monitor and upgrade, search domains that log and update, WAF with the guide's
rules, CloudFront through OAC, current engines — and the links a stack must have (every web ACL
logs, every bucket logs access and ends abandoned uploads, RDS events reach on-call)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity

from . import _types as t
from ._framework import (
    UNKNOWN,
    Setting,
    as_list,
    flag_rule,
    get,
    has_unknown,
    known,
    number,
    of_type,
    plain,
    referenced,
    resource_rule,
    stack_rule,
    unlinked,
)


def _containers(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = get(props, "containerDefinitions", default="[]")
    return [c for c in as_list(json.loads(raw) if isinstance(raw, str) else raw) if isinstance(c, Mapping)]


# --- ECS -----------------------------------------------------------------------------------------


@resource_rule("ecs-task-no-host-network", family="guardrails", types=[t.ECS_TASK_DEFINITION], control="ECS.1",
               severity=Severity.HIGH,
               description="Checks whether task definitions avoid the host network mode.",
               message="Use network_mode='awsvpc' (Fargate requires it)")
def ecs_host_network(props: Mapping[str, Any], config: Mapping[str, Any]):
    return "networkMode host" if get(props, "networkMode") == "host" else None


@resource_rule("ecs-task-no-host-namespaces", family="guardrails", types=[t.ECS_TASK_DEFINITION], control="ECS.3",
               severity=Severity.HIGH,
               description="Checks whether task definitions share the host's process or IPC namespace.",
               message="Remove pid_mode/ipc_mode 'host' (use 'task' if containers must share)")
def ecs_namespaces(props: Mapping[str, Any], config: Mapping[str, Any]):
    for key in ("pidMode", "ipcMode"):
        if get(props, key) == "host":
            yield f"{key} host"


@resource_rule("ecs-container-not-privileged", family="guardrails", types=[t.ECS_TASK_DEFINITION], control="ECS.4",
               severity=Severity.CRITICAL,
               description="Checks whether any container runs privileged.",
               message="Remove privileged: true from the container definition")
def ecs_privileged(props: Mapping[str, Any], config: Mapping[str, Any]):
    for container in _containers(props):
        if container.get("privileged") is True:
            yield f"{container.get('name')} is privileged"


@resource_rule("ecs-container-logging", family="guardrails", types=[t.ECS_TASK_DEFINITION], control="ECS.9",
               severity=Severity.HIGH,
               description="Checks whether every container has a log configuration.",
               message="Give each container logConfiguration (awslogs to its log group)")
def ecs_logging(props: Mapping[str, Any], config: Mapping[str, Any]):
    for container in _containers(props):
        if not get(container, "logConfiguration", "logDriver"):
            yield f"{container.get('name')} has no log driver"


@resource_rule("ecs-fargate-latest-platform", family="guardrails", types=[t.ECS_SERVICE], control="ECS.10",
               refs=("pci-dss-4.0.1:6.3.3",),
               severity=Severity.MEDIUM,
               description="Checks whether Fargate services run on the LATEST platform version.",
               message="Leave platform_version unset (LATEST) or set 'LATEST'")
def ecs_platform(props: Mapping[str, Any], config: Mapping[str, Any]):
    version = get(props, "platformVersion")
    return f"platformVersion {version}" if version not in (None, "LATEST") else None


@resource_rule("ecs-deployment-circuit-breaker", family="guardrails", types=[t.ECS_SERVICE], severity=Severity.MEDIUM,
               description="Checks whether ECS services stop and roll back a deployment whose tasks do not become "
                           "healthy.",
               message="Set deployment_circuit_breaker={enable: True, rollback: True}")
def ecs_circuit_breaker(props: Mapping[str, Any], config: Mapping[str, Any]):
    breaker = get(props, "deploymentCircuitBreaker", default={})
    if get(breaker, "enable") is not True or get(breaker, "rollback") is not True:
        return "circuit breaker with rollback is off"
    return None


@resource_rule("ecs-autoscaling-minimum-tasks", family="availability", types=["aws:appautoscaling/target:Target"],
               severity=Severity.MEDIUM,
               description="Checks whether ECS service autoscaling never scales below minTasks (desiredCount alone "
                           "does not hold once autoscaling owns the count).",
               message="Set minCount (the scalable target's min_capacity) to at least minTasks",
               settings={"minTasks": Setting(1, {"type": "integer", "minimum": 0}, "fewest tasks a service may run")})
def ecs_scaling_minimum(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "scalableDimension") != "ecs:service:DesiredCount":
        return None
    low = number(get(props, "minCapacity"))
    return f"minCapacity {low:.0f}" if low is not None and low < config["minTasks"] else None


# --- RDS -----------------------------------------------------------------------------------------


@resource_rule("rds-enhanced-monitoring", family="guardrails", types=[t.RDS_INSTANCE], control="RDS.6",
               severity=Severity.LOW,
               description="Checks whether RDS instances have enhanced monitoring at most maximumSeconds apart.",
               message="Set monitoring_interval (dbMonitoringIntervalSeconds) and monitoring_role_arn",
               settings={"maximumSeconds": Setting(60, {"type": "integer", "minimum": 1}, "longest interval")})
def rds_monitoring(props: Mapping[str, Any], config: Mapping[str, Any]):
    interval = number(get(props, "monitoringInterval", default=0))
    if not interval or interval > config["maximumSeconds"]:
        return f"monitoringInterval {interval or 0:.0f}"
    return None


@resource_rule("rds-log-exports", family="guardrails", types=[t.RDS_INSTANCE], control="RDS.9",
               severity=Severity.MEDIUM,
               description="Checks whether RDS MySQL instances (replicas too) publish the logTypes to CloudWatch Logs.",
               message="Set enabled_cloudwatch_logs_exports to include logTypes (log groups created first)",
               settings={"logTypes": Setting(["error", "slowquery"], {"type": "array", "items": {"type": "string"}},
                                             "MySQL logs every instance exports")})
def rds_logs(props: Mapping[str, Any], config: Mapping[str, Any]):
    exported = set(as_list(get(props, "enabledCloudwatchLogsExports")))
    missing = [k for k in config["logTypes"] if k not in exported]
    return f"not exporting {', '.join(missing)}" if missing else None


rds_iam_auth = flag_rule(
    "rds-iam-authentication", path=["iamDatabaseAuthenticationEnabled"], what="IAM authentication",
    types=[t.RDS_INSTANCE], control="RDS.10", severity=Severity.MEDIUM,
    description="Checks whether RDS instances accept IAM database authentication.",
    message="Set iam_database_authentication_enabled=True")
rds_minor_upgrades = flag_rule(
    "rds-auto-minor-version-upgrade", path=["autoMinorVersionUpgrade"], what="autoMinorVersionUpgrade",
    missing_is_on=True, types=[t.RDS_INSTANCE], control="RDS.13", refs=("cis-aws-3.0:2.3.2", "pci-dss-4.0.1:6.3.3"),
    description="Checks whether RDS instances take minor engine upgrades automatically.",
    message="Set auto_minor_version_upgrade=True (upgrades happen in the maintenance window)")
rds_copy_tags = flag_rule(
    "rds-copy-tags-to-snapshot", path=["copyTagsToSnapshot"], what="copyTagsToSnapshot", types=[t.RDS_INSTANCE],
    control="RDS.17", severity=Severity.LOW, description="Checks whether RDS instances copy their tags to snapshots.",
    message="Set copy_tags_to_snapshot=True")


@resource_rule("rds-in-vpc-subnets", family="guardrails", types=[t.RDS_INSTANCE], control="RDS.18",
               severity=Severity.HIGH,
               description="Checks whether RDS primaries (and cross-region replicas) name a DB subnet group of their "
                           "VPC; in-region replicas inherit their source's.",
               message="Set db_subnet_group_name to the data tier's subnet group")
def rds_in_vpc(props: Mapping[str, Any], config: Mapping[str, Any]):
    source = get(props, "replicateSourceDb")
    if source and not str(source).startswith("arn:"):
        return None  # an in-region replica: same subnet group as its source
    return None if get(props, "dbSubnetGroupName") else "no dbSubnetGroupName"


DEFAULT_ADMINS = ["admin", "root", "postgres", "administrator", "sa", "master"]


@resource_rule("rds-custom-admin-username", family="guardrails", types=[t.RDS_INSTANCE], control="RDS.25",
               refs=("pci-dss-4.0.1:2.2.2",),
               severity=Severity.MEDIUM,
               description="Checks whether RDS primaries use a master user name other than the engines' defaults.",
               message="Set username to a name of your own (the program uses elite_admin)",
               settings={"defaults": Setting(DEFAULT_ADMINS, {"type": "array", "items": {"type": "string"}},
                                             "default administrator names")})
def rds_admin_name(props: Mapping[str, Any], config: Mapping[str, Any]):
    user = get(props, "username")
    return f"username {user}" if user is not None and str(user).lower() in config["defaults"] else None


def _subscription_rule(name: str, control: str, source_type: str, categories: list[str], what: str) -> Any:
    @stack_rule(name, judges=[t.RDS_INSTANCE], family="guardrails", control=control, severity=Severity.LOW,
                description=f"Checks whether a stack with RDS instances subscribes to critical {what} events "
                            f"({', '.join(categories)}).",
                message=f"Add an aws.rds.EventSubscription (source_type {source_type}) for those categories to the "
                        "alarm topic")
    def check(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
        instances = of_type(resources, t.RDS_INSTANCE)
        if not instances:
            return
        for subscription in of_type(resources, "aws:rds/eventSubscription:EventSubscription"):
            if known(subscription.props, "sourceType", unknown=source_type) != source_type \
                    or known(subscription.props, "enabled", default=True, unknown=True) is False:
                continue
            given = plain(known(subscription.props, "eventCategories", default=[], unknown=None))
            if given is None or not given or UNKNOWN in given or set(categories) <= set(given):
                return  # an empty category list means every category
        yield instances[0].urn, f"no {source_type} subscription for {', '.join(categories)}"
    return check


rds_instance_events = _subscription_rule("rds-instance-event-subscription", "RDS.20", "db-instance",
                                         ["maintenance", "configuration change", "failure"], "database instance")
rds_parameter_events = _subscription_rule("rds-parameter-group-event-subscription", "RDS.21", "db-parameter-group",
                                          ["configuration change"], "parameter group")


# --- OpenSearch, ElastiCache, load balancer -----------------------------------------------------------


opensearch_fgac = flag_rule(
    "opensearch-fine-grained-access-control", path=["advancedSecurityOptions", "enabled"],
    what="fine-grained access control", types=t.OPENSEARCH, control="OpenSearch.7",
    description="Checks whether OpenSearch domains use fine-grained access control.",
    message="Set advanced_security_options.enabled=True with an IAM master user")


def _log_publishing_rule(name: str, controls: tuple[str, ...], log_type: str, what: str) -> Any:
    @resource_rule(name, family="guardrails", types=t.OPENSEARCH, control=controls, severity=Severity.MEDIUM,
                   description=f"Checks whether OpenSearch domains publish {what} to CloudWatch Logs.",
                   message=f"Add log_publishing_options {{log_type: {log_type}, enabled: True, "
                           "cloudwatch_log_group_arn}} (and a log resource policy for the service)")
    def check(props: Mapping[str, Any], config: Mapping[str, Any]):
        for option in as_list(get(props, "logPublishingOptions")):
            if get(option, "logType") == log_type and get(option, "enabled", default=True) is not False \
                    and get(option, "cloudwatchLogGroupArn"):
                return None
        return f"no {log_type}"
    return check


opensearch_error_logs = _log_publishing_rule("opensearch-error-logging", ("OpenSearch.4", "ES.4"),
                                             "ES_APPLICATION_LOGS", "error logs")
opensearch_audit_logs = _log_publishing_rule("opensearch-audit-logging", ("OpenSearch.5", "ES.5"),
                                             "AUDIT_LOGS", "audit logs")


@resource_rule("opensearch-dedicated-masters", family="availability", types=t.OPENSEARCH, control="ES.7",
               severity=Severity.MEDIUM,
               description="Checks whether OpenSearch domains run at least three dedicated master nodes where "
                           "required.",
               message="Set cluster_config.dedicated_master_enabled=True with dedicated_master_count 3 "
                       "(openSearchDedicatedMasterCount)",
               settings={"required": Setting(False, {"type": "boolean"}, "dedicated masters required")})
def opensearch_masters(props: Mapping[str, Any], config: Mapping[str, Any]):
    if not config["required"]:
        return None
    cluster = get(props, "clusterConfig", default={})
    count = number(get(cluster, "dedicatedMasterCount", default=0)) or 0
    return None if get(cluster, "dedicatedMasterEnabled") is True and count >= 3 else f"{count:.0f} dedicated masters"


opensearch_updates = flag_rule(
    "opensearch-auto-software-update", path=["softwareUpdateOptions", "autoSoftwareUpdateEnabled"],
    what="automatic software updates", types=t.OPENSEARCH, control="OpenSearch.10", severity=Severity.LOW,
    description="Checks whether OpenSearch domains install service software updates automatically.",
    message="Set software_update_options.auto_software_update_enabled=True")
cache_minor_upgrades = flag_rule(
    "elasticache-auto-minor-version-upgrade", path=["autoMinorVersionUpgrade"], what="autoMinorVersionUpgrade",
    missing_is_on=True, types=[t.REDIS_GROUP], control="ElastiCache.2",
    description="Checks whether ElastiCache replication groups take minor engine upgrades automatically.",
    message="Set auto_minor_version_upgrade=True")


@resource_rule("elasticache-custom-subnet-group", family="guardrails", types=[t.REDIS_GROUP], control="ElastiCache.7",
               severity=Severity.HIGH,
               description="Checks whether ElastiCache replication groups use a subnet group of their own, not the "
                           "default one.",
               message="Set subnet_group_name to the data tier's subnet group (isolated subnets)")
def cache_subnet_group(props: Mapping[str, Any], config: Mapping[str, Any]):
    group = get(props, "subnetGroupName")
    return f"subnetGroupName {group or 'default'}" if not group or group == "default" else None


@resource_rule("alb-desync-mitigation", family="guardrails", types=t.LOAD_BALANCERS, control="ELB.12",
               severity=Severity.MEDIUM,
               description="Checks whether application load balancers use defensive or strictest desync mitigation.",
               message="Set desync_mitigation_mode='defensive' (or 'strictest')")
def alb_desync(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "loadBalancerType", default="application") != "application":
        return None
    mode = get(props, "desyncMitigationMode", default="defensive")
    return f"desyncMitigationMode {mode}" if mode not in ("defensive", "strictest") else None


# --- CloudFront, ACM, KMS ---------------------------------------------------------------------------

S3_DOMAIN = re.compile(r"\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$")


def _s3_origins(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [o for o in as_list(get(props, "origins")) if isinstance(o, Mapping) and (
        get(o, "s3OriginConfig") is not None or S3_DOMAIN.search(str(get(o, "domainName", default=""))))]


@resource_rule("cloudfront-default-root-object", family="guardrails", types=[t.DISTRIBUTION], control="CloudFront.1",
               severity=Severity.CRITICAL,
               description="Checks whether distributions name a default root object.",
               message="Set default_root_object (index.html: the web tier answers it)")
def cloudfront_root(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "defaultRootObject") else "no defaultRootObject"


@resource_rule("cloudfront-s3-origin-access-control", family="guardrails", types=[t.DISTRIBUTION],
               control="CloudFront.13", severity=Severity.HIGH,
               description="Checks whether every S3 origin is reached through origin access control (no public "
                           "bucket, no legacy OAI).",
               message="Give the S3 origin origin_access_control_id (an OAC with sigv4 signing)")
def cloudfront_oac(props: Mapping[str, Any], config: Mapping[str, Any]):
    for origin in _s3_origins(props):
        if not get(origin, "originAccessControlId"):
            yield f"{get(origin, 'originId')} without OAC"


@stack_rule("cloudfront-s3-origin-exists", judges=[t.DISTRIBUTION],
            family="guardrails", control="CloudFront.12", severity=Severity.HIGH,
            description="Checks whether every S3 origin of a distribution is a bucket of this stack (an origin "
                        "naming a bucket that does not exist can be claimed by anyone), or the failover member of "
                        "an origin group naming a standby stack's bucket (standbyBucketPrefixes).",
            message="Point the S3 origin at a bucket the stack creates (bucket_regional_domain_name); a DR "
                    "replica only as an origin group's failover member, its name prefix in standbyBucketPrefixes",
            settings={"standbyBucketPrefixes": Setting([], {"type": "array", "items": {"type": "string"}},
                                                       "name prefixes of a standby stack's buckets a failover "
                                                       "origin may read")})
def cloudfront_origin_exists(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    buckets = {b.urn for b in of_type(resources, *t.BUCKETS)}
    prefixes = tuple(config["standbyBucketPrefixes"])
    for distribution in of_type(resources, t.DISTRIBUTION):
        origins = known(distribution.props, "origins", default=[], unknown=None)
        if origins is None:
            continue
        origins = plain(origins)
        if has_unknown(origins):
            continue
        failover_members = {str(get(g, "members", 1, "originId"))
                            for g in as_list(plain(known(distribution.props, "originGroups", default=[], unknown=[])))}
        s3 = [o for o in _s3_origins({"origins": origins})
              if not (prefixes and get(o, "originId") in failover_members
                      and str(get(o, "domainName", default="")).startswith(prefixes))]
        linked = [d for d in (distribution.property_dependencies or {}).get("origins", []) if d.urn in buckets]
        if len(linked) < len(s3):
            yield distribution.urn, f"{len(s3)} S3 origin(s), {len(linked)} bucket(s) of this stack"


STRONG_KEYS = ["RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]


@resource_rule("acm-certificate-key-length", family="guardrails", types=["aws:acm/certificate:Certificate"],
               control="ACM.2", severity=Severity.HIGH,
               description="Checks whether ACM certificates use RSA keys of at least 2,048 bits (or ECDSA).",
               message="Set key_algorithm to RSA_2048 or stronger")
def acm_key(props: Mapping[str, Any], config: Mapping[str, Any]):
    algorithm = get(props, "keyAlgorithm", default="RSA_2048")
    return f"keyAlgorithm {algorithm}" if algorithm not in STRONG_KEYS else None


@resource_rule("kms-key-deletion-window", family="backup", types=[t.KMS_KEY], control="KMS.3", severity=Severity.HIGH,
               description="Checks whether a KMS key scheduled for deletion waits at least minimumDays, so a mistaken "
                           "deletion can be cancelled.",
               message="Set deletion_window_in_days to at least minimumDays (and protect the key)",
               settings={"minimumDays": Setting(30, {"type": "integer", "minimum": 7, "maximum": 30},
                                                "shortest deletion window")})
def kms_deletion(props: Mapping[str, Any], config: Mapping[str, Any]):
    days = number(get(props, "deletionWindowInDays", default=30))
    return f"{days:.0f}-day deletion window" if days is not None and days < config["minimumDays"] else None


# --- WAF ---------------------------------------------------------------------------------------------

COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"


@resource_rule("waf-web-acl-has-rules", family="guardrails", types=[t.WEB_ACL], control="WAF.10",
               severity=Severity.MEDIUM,
               description="Checks whether web ACLs have at least one rule or rule group.",
               message="Add the shared rules (components/waf.py)")
def waf_has_rules(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if as_list(get(props, "rules")) else "no rules"


@resource_rule("waf-rule-metrics", family="guardrails", types=[t.WEB_ACL], control="WAF.12", severity=Severity.MEDIUM,
               description="Checks whether every web ACL rule publishes CloudWatch metrics.",
               message="Set visibility_config.cloudwatch_metrics_enabled=True on each rule")
def waf_metrics(props: Mapping[str, Any], config: Mapping[str, Any]):
    for rule in as_list(get(props, "rules")):
        if get(rule, "visibilityConfig", "cloudwatchMetricsEnabled") is not True:
            yield f"{get(rule, 'name')} without metrics"


@resource_rule("waf-common-rule-set-first", family="guardrails", types=[t.WEB_ACL], severity=Severity.HIGH,
               description="Checks whether the AWS common rule set is the web ACL's first rule (the guide's "
                           "priority 1) and enforcing, not counting.",
               message="Put AWSManagedRulesCommonRuleSet at priority 1 with override_action none")
def waf_common_first(props: Mapping[str, Any], config: Mapping[str, Any]):
    rules = [r for r in as_list(get(props, "rules")) if isinstance(r, Mapping)]
    common = [r for r in rules if get(r, "statement", "managedRuleGroupStatement", "name") == COMMON_RULE_SET
              and get(r, "statement", "managedRuleGroupStatement", "vendorName") == "AWS"]
    if not common:
        return "no AWSManagedRulesCommonRuleSet"
    rule = common[0]
    priority = number(get(rule, "priority"))
    lowest = min((number(get(r, "priority")) or 0.0) for r in rules)
    if priority != 1 or priority > lowest:
        return f"common rule set at priority {priority}"
    if get(rule, "overrideAction", "count") is not None:
        return "common rule set only counts"
    return None


@stack_rule("waf-logging-configured", judges=[t.WEB_ACL],
            family="guardrails", control="WAF.11", severity=Severity.MEDIUM,
            description="Checks whether every web ACL has a logging configuration.",
            message="Add an aws.wafv2.WebAclLoggingConfiguration for the ACL (components/waf.py does)")
def waf_logging(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    for acl in unlinked(resources, t.WEB_ACL, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
                        "resourceArn"):
        yield acl.urn, "no logging configuration"


@stack_rule("ecr-lifecycle-policy", judges=[t.ECR_REPOSITORY, t.ECR_TEMPLATE],
            family="guardrails", control="ECR.3", severity=Severity.MEDIUM,
            description="Checks whether every ECR repository (and repository creation template) has a lifecycle "
                        "policy.",
            message="Add an aws.ecr.LifecyclePolicy for the repository (untagged layers and old images expire); "
                    "give a creation template lifecycle_policy")
def ecr_lifecycle(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    for repository in unlinked(resources, t.ECR_REPOSITORY, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "repository"):
        yield repository.urn, "no lifecycle policy"
    for template in of_type(resources, t.ECR_TEMPLATE):
        if known(template.props, "lifecyclePolicy", unknown="?") is None:
            yield template.urn, "template without a lifecycle policy"


# --- engine currency -------------------------------------------------------------------------------


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


@resource_rule("engine-version-current", family="guardrails", types=[t.RDS_INSTANCE, t.REDIS_GROUP, *t.OPENSEARCH],
               severity=Severity.MEDIUM,
               description="Checks whether MySQL, Redis OSS / Valkey and OpenSearch engines are at or above the "
                           "minimum versions in policy config (versions past standard support cost Extended Support "
                           "and miss fixes).",
               message="Raise the engine version (dbEngineVersion, cacheEngineVersion, openSearchEngineVersion)",
               settings={"mysql": Setting("8.0", {"type": "string"}, "lowest RDS MySQL version"),
                         "redis": Setting("7.0", {"type": "string"}, "lowest ElastiCache Redis OSS version"),
                         "valkey": Setting("7.2", {"type": "string"}, "lowest ElastiCache Valkey version"),
                         "opensearch": Setting("2.11", {"type": "string"}, "lowest OpenSearch version")})
def engine_current(props: Mapping[str, Any], config: Mapping[str, Any]):
    version = get(props, "engineVersion")
    if version is None:
        return None
    engine = str(get(props, "engine", default="")).lower()
    if str(version).startswith("Elasticsearch_"):
        return f"legacy {version}"
    if str(version).startswith("OpenSearch_"):
        minimum = config["opensearch"]
    elif engine == "mysql":
        minimum = config["mysql"]
    elif engine in ("redis", "valkey"):
        minimum = config[engine]
    else:
        return None
    return f"{engine or 'opensearch'} {version} below {minimum}" if _version(str(version)) < _version(minimum) else None


# --- buckets ---------------------------------------------------------------------------------------


@stack_rule("s3-bucket-access-logging", judges=t.BUCKETS, family="guardrails", control="S3.9", severity=Severity.MEDIUM,
            description="Checks whether every bucket logs its access to a log bucket, except the log-delivery buckets "
                        "themselves (DataClassification in exemptClassifications).",
            message="Give the bucket an aws.s3.BucketLogging to the region's logs bucket (SecureBucket "
                    "access_log_bucket)",
            settings={"exemptClassifications": Setting(["logs"], {"type": "array", "items": {"type": "string"}},
                                                       "classifications of buckets that receive logs")})
def s3_access_logging(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    logged = referenced(resources, "aws:s3/bucketLogging:BucketLogging", "bucket")
    for bucket in of_type(resources, *t.BUCKETS):
        classification = known(bucket.props, "tags", "DataClassification", unknown=UNKNOWN)
        if classification is UNKNOWN:
            continue  # classification unknown until `up`
        if bucket.urn not in logged and classification not in config["exemptClassifications"]:
            yield bucket.urn, "no access logging"


@stack_rule("s3-bucket-lifecycle", judges=t.BUCKETS, family="guardrails", control="S3.13", severity=Severity.LOW,
            description="Checks whether every bucket has a lifecycle configuration that aborts incomplete multipart "
                        "uploads (parts left behind are billed and invisible).",
            message="Give the bucket a BucketLifecycleConfiguration with abort_incomplete_multipart_upload "
                    "(SecureBucket adds one)")
def s3_lifecycle(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    aborting: set[str] = set()
    for lifecycle in of_type(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"):
        rules = known(lifecycle.props, "rules", default=[], unknown=None)
        if rules is None or any(get(r, "abortIncompleteMultipartUpload") for r in as_list(rules)):
            aborting |= {d.urn for d in (lifecycle.property_dependencies or {}).get("bucket", [])}
    for bucket in of_type(resources, *t.BUCKETS):
        if bucket.urn not in aborting:
            yield bucket.urn, "no lifecycle rule aborting incomplete multipart uploads"


POLICIES = [ecs_host_network, ecs_namespaces, ecs_privileged, ecs_logging, ecs_platform, ecs_circuit_breaker,
            ecs_scaling_minimum, rds_monitoring, rds_logs, rds_iam_auth, rds_minor_upgrades, rds_copy_tags, rds_in_vpc,
            rds_admin_name, rds_instance_events, rds_parameter_events, opensearch_fgac, opensearch_error_logs,
            opensearch_audit_logs, opensearch_masters, opensearch_updates, cache_minor_upgrades, cache_subnet_group,
            alb_desync, cloudfront_root, cloudfront_oac, cloudfront_origin_exists, acm_key, kms_deletion,
            waf_has_rules, waf_metrics, waf_common_first, waf_logging, ecr_lifecycle, engine_current,
            s3_access_logging, s3_lifecycle]
