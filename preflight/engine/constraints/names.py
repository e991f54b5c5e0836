"""Create-time constraints: physical names against components/naming.py's rules (auto-names
included), and unique per kind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from components.naming import NAME_RULES

from ..mocks import auto_name
from .base import (
    CONSTRAINTS,
    Constraint,
    Finding,
    Registered,
)

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
