"""Guardrails around the four families: no public data, least privilege, secrets kept secret, tags,
and the WAF, logging and hardening the guide's ALB and CloudFront rely on."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._framework import (
    UNKNOWN,
    Setting,
    as_list,
    depends_on,
    document,
    get,
    known,
    number,
    of_type,
    plain,
    referenced,
    resource_rule,
    stack_rule,
    statements,
    tags_of,
    unlinked,
)

WORLD = ("0.0.0.0/0", "::/0")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")


@resource_rule("s3-no-public-acl", family="guardrails", types=[*t.BUCKETS, *t.BUCKET_ACLS], control="S3.2",
               severity=Severity.CRITICAL,
               description="Checks whether any bucket ACL grants public or any-AWS-user access.",
               message="Remove the public ACL; keep object ownership BucketOwnerEnforced (ACLs disabled)")
def s3_public_acl(props: Mapping[str, Any], config: Mapping[str, Any]):
    acl = get(props, "acl")
    return f"acl {acl}" if acl in PUBLIC_ACLS else None


@resource_rule("s3-public-access-block-on", family="guardrails", types=[t.BUCKET_PUBLIC_ACCESS_BLOCK],
               refs=("cis-aws-3.0:2.1.4",),
               control="S3.8", severity=Severity.CRITICAL,
               description="Checks whether bucket public access blocks have all four settings on.",
               message="Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets "
                       "to True")
def s3_public_access_block(props: Mapping[str, Any], config: Mapping[str, Any]):
    for key in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        if get(props, key) is not True:
            yield f"{key} is not true"


@stack_rule("s3-bucket-has-public-access-block", judges=t.BUCKETS,
            family="guardrails", refs=("cis-aws-3.0:2.1.4",), control="S3.8", severity=Severity.CRITICAL,
            description="Checks whether every bucket has its own public access block.",
            message="Give the bucket a BucketPublicAccessBlock (SecureBucket does)")
def s3_has_block(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    for bucket in unlinked(resources, t.BUCKETS, t.BUCKET_PUBLIC_ACCESS_BLOCK, "bucket"):
        yield bucket.urn, "no public access block"


# Condition keys that pin who the caller is; any other condition (aws:SecureTransport, a prefix)
# leaves a '*' grant public.
CALLER_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:principalorgid", "aws:principalaccount",
               "aws:principalarn", "aws:sourcevpce", "aws:sourcevpc", "aws:sourceorgid"}


def public_statements(policy: Any) -> list[str]:
    """Allow statements of a resource policy open to everyone ('*' or AWS '*') without a condition
    that pins the caller's account, organization or source."""
    return [f"statement {get(s, 'Sid', default='?')} allows everyone"
            for s in statements(document(policy))
            if get(s, "Effect") == "Allow" and _is_everyone(get(s, "Principal"))
            and not _names_the_caller(get(s, "Condition", default={}))]


def _names_the_caller(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    return any(str(key).lower() in CALLER_KEYS for keys in condition.values() if isinstance(keys, Mapping)
               for key in keys)


def _is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))


@resource_rule("s3-bucket-policy-not-public", family="guardrails", types=[t.BUCKET_POLICY], control="S3.2",
               severity=Severity.CRITICAL,
               description="Checks whether a bucket policy allows everyone ('*') without a condition.",
               message="Grant named principals (e.g. cloudfront.amazonaws.com with an AWS:SourceArn condition), "
                       "never Principal '*'")
def s3_policy_public(props: Mapping[str, Any], config: Mapping[str, Any]):
    return public_statements(get(props, "policy"))


def _ingress_rules(resources: Sequence[PolicyResource]) -> list[tuple[PolicyResource, Mapping[str, Any],
                                                                     list[PolicyResource]]]:
    """(resource, rule props, security groups it belongs to) for standalone and inline rules."""
    found = []
    for rule in of_type(resources, *t.INGRESS_RULES):
        if rule.resource_type.endswith("SecurityGroupRule") and known(rule.props, "type") != "ingress":
            continue
        found.append((rule, rule.props, depends_on(rule, "securityGroupId")))
    for group in of_type(resources, t.SECURITY_GROUP):
        for inline in as_list(known(group.props, "ingress", default=[], unknown=[])):
            found.append((group, inline, [group]))
    return found


@stack_rule("no-world-open-ingress", judges=[t.SECURITY_GROUP, *t.INGRESS_RULES],
            family="guardrails", control="EC2.18", severity=Severity.CRITICAL,
            refs=("cis-aws-3.0:5.2", "cis-aws-3.0:5.3",),
            description="Checks whether any security group admits 0.0.0.0/0 or ::/0, except ports 80/443 on a group "
                        "that only a load balancer wears.",
            message="Admit a security group or prefix list instead of the world; only a load balancer may take "
                    "80/443 from anywhere")
def world_ingress(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    lb_groups = referenced(resources, t.LOAD_BALANCERS, "securityGroups")
    for resource, rule, groups in _ingress_rules(resources):
        sources = _addresses(rule)
        if not any(s in WORLD for s in sources):
            continue
        ports = (known(rule, "fromPort", unknown=UNKNOWN), known(rule, "toPort", unknown=UNKNOWN))
        if UNKNOWN in ports:
            continue
        ports = (number(ports[0]), number(ports[1]))
        protocol = _protocol(rule)
        if protocol in ALL_PROTOCOLS:
            yield resource.urn, "world ingress on every protocol and port"  # the ports are then ignored
            continue
        web_port = ports[0] == ports[1] and ports[0] in (80.0, 443.0)
        if not (web_port and groups and all(g.urn in lb_groups for g in groups)):
            yield resource.urn, f"world ingress on ports {ports}"


# "-1" (or "all") admits every protocol and port: AWS ignores from/to then.
ALL_PROTOCOLS = ("-1", "all")
# The groups a data store wears, by where it names them; and its port when the store names none.
STORE_GROUPS = ((t.RDS_INSTANCE, "vpcSecurityGroupIds"), (t.REDIS_GROUP, "securityGroupIds"),
                *((domain, "vpcOptions") for domain in t.OPENSEARCH))
DEFAULT_PORTS = {"mysql": 3306.0, "mariadb": 3306.0, "postgres": 5432.0, "redis": 6379.0, "valkey": 6379.0}
ADDRESS_SOURCES = ("cidrIpv4", "cidrIpv6", "cidrBlocks", "ipv6CidrBlocks", "prefixListId", "prefixListIds")


def _addresses(rule: Mapping[str, Any]) -> list[str]:
    """The CIDRs and prefix lists a rule admits; a list element unknown until `up` is left out
    (read through `plain`, so it cannot abort the stack rule)."""
    return [str(a) for key in ADDRESS_SOURCES for a in as_list(plain(known(rule, key, unknown=None)))
            if a and a != UNKNOWN]


def _protocol(rule: Mapping[str, Any]) -> Any:
    value = known(rule, "ipProtocol", unknown=UNKNOWN)
    if value is None:
        value = known(rule, "protocol", unknown=UNKNOWN)
    return value if value is UNKNOWN else str(value).lower()


def _store_port(store: PolicyResource) -> Any:
    """The port a data store listens on; None where it cannot be told (a replica inherits it)."""
    port = known(store.props, "port", unknown=UNKNOWN)
    if port is UNKNOWN or port is not None:
        return port if port is UNKNOWN else number(port)
    if store.resource_type in t.OPENSEARCH:
        return 443.0
    return DEFAULT_PORTS.get(str(known(store.props, "engine", unknown=None)))


@stack_rule("data-store-ingress-from-clients-only", judges=[t.SECURITY_GROUP, *t.INGRESS_RULES],
            family="guardrails", severity=Severity.HIGH,
            refs=("pci-dss-4.0.1:1.2.5", "pci-dss-4.0.1:1.3.1", "checkov:CKV_AWS_23"),
            description="Checks whether every ingress rule of a group a database, cache or search domain wears "
                        "admits a client security group (never addresses: a CIDR or prefix list lets every host "
                        "of that range in), on TCP and the store's own port only.",
            message="Admit the client tier's security group (referenced_security_group_id) on the store's port, "
                    "protocol tcp; remove CIDR and prefix-list sources and port ranges")
def data_store_ingress(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    ports: dict[str, set[Any]] = {}
    for types, prop in STORE_GROUPS:
        for store in of_type(resources, types):
            for group in depends_on(store, prop):
                if group.resource_type == t.SECURITY_GROUP:
                    ports.setdefault(group.urn, set()).add(_store_port(store))
    for resource, rule, groups in _ingress_rules(resources):
        worn = [g for g in groups if g.urn in ports]
        if not worn:
            continue
        addresses = _addresses(rule)
        if addresses:
            yield resource.urn, f"admits addresses {', '.join(sorted(addresses))}, not a client group"
        protocol = _protocol(rule)
        if protocol is not UNKNOWN and protocol not in ("tcp", "6"):
            yield resource.urn, f"protocol {protocol}"
            continue
        # A store that names no port (a replica takes its source's) leaves the others to tell it.
        allowed = {p for g in worn for p in ports[g.urn] if p is not None}
        span = (known(rule, "fromPort", unknown=UNKNOWN), known(rule, "toPort", unknown=UNKNOWN))
        if UNKNOWN in span or UNKNOWN in allowed or not allowed:
            continue
        low, high = number(span[0]), number(span[1])
        if low != high or low not in allowed:
            listening = ", ".join(str(int(p)) for p in sorted(allowed))
            yield resource.urn, f"ports {span[0]}-{span[1]}; the store listens on {listening}"


@resource_rule("rds-not-publicly-accessible", family="guardrails", types=[t.RDS_INSTANCE], control="RDS.2",
               refs=("cis-aws-3.0:2.3.3",),
               severity=Severity.CRITICAL,
               description="Checks whether RDS instances are reachable from the internet.",
               message="Set publicly_accessible=False and keep the instance in isolated subnets")
def rds_public(props: Mapping[str, Any], config: Mapping[str, Any]):
    return "publiclyAccessible is true" if get(props, "publiclyAccessible") is True else None


def _containers(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = get(props, "containerDefinitions", default="[]")
    return as_list(json.loads(raw) if isinstance(raw, str) else raw)


# A private ECR image: account, region, repository, then a tag or a digest.
ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+"
                       r"(:(?P<tag>[\w][\w.-]{0,127})|@sha256:[0-9a-f]{64})$")
ACCOUNT_IN_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")


@resource_rule("ecs-images-from-private-registry", family="guardrails", types=[t.ECS_TASK_DEFINITION],
               severity=Severity.HIGH, refs=("pci-dss-4.0.1:6.3.1", "aws-docs:ecs-best-practices-images"),
               description="Checks whether every container runs an image of this account's private ECR registry "
                           "(scanned on push, tags immutable, KMS-encrypted, the pack judges the repository) named "
                           "by a tag other than `latest` or by digest; an image from anywhere else runs only if "
                           "the stack's policy config lists it in trustedImages with the reason.",
               message="Push the image to the stack's ECR repository and name it by tag or digest, or list the "
                       "exact image in the stack's policy config `trustedImages` with the reason",
               settings={"trustedImages": Setting({}, {"type": "object", "additionalProperties": {"type": "string"}},
                                                  "exact image reference -> why it may run from outside ECR")})
def ecs_images(props: Mapping[str, Any], config: Mapping[str, Any]):
    # The execution role's account is the stack's (unknown during a first preview: then any account's ECR).
    role = ACCOUNT_IN_ARN.match(str(known(props, "executionRoleArn", default="", unknown="")))
    for container in _containers(props):
        image, name = str(container.get("image") or ""), container.get("name")
        if image in config["trustedImages"]:
            continue
        found = ECR_IMAGE.match(image)
        if not found:
            yield f"{name}: {image or 'no image'} is not a private ECR image named by tag or digest"
        elif found["tag"] == "latest":
            yield f"{name}: the `latest` tag names no particular build"
        elif role and found["account"] != role[1]:
            yield f"{name}: an image of account {found['account']}, not this stack's"


SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL|DATABASE_URL|"
                         r"STRIPE_KEY|STRIPE_SECRET)", re.IGNORECASE)
SECRET_VALUE = re.compile(r"^(sk_(live|test)_|rk_(live|test)_|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|-----BEGIN)|"
                          r"://[^/\s:@]+:[^/\s@]+@")


@resource_rule("ecs-no-secrets-in-environment", family="guardrails", types=[t.ECS_TASK_DEFINITION], control="ECS.8",
               severity=Severity.CRITICAL,
               description="Checks whether container definitions pass secret-looking names or values as plain "
                           "environment variables.",
               message="Deliver secrets through the container's `secrets` (valueFrom an SSM parameter ARN), never "
                       "`environment`")
def ecs_secrets(props: Mapping[str, Any], config: Mapping[str, Any]):
    for container in _containers(props):
        for variable in as_list(get(container, "environment")):
            name, value = str(get(variable, "name", default="")), str(get(variable, "value", default=""))
            if SECRET_NAME.search(name):
                yield f"{get(container, 'name')}: {name} in environment"
            elif SECRET_VALUE.search(value):
                yield f"{get(container, 'name')}: {name} holds a secret-looking value"


def _actions(statement: Mapping[str, Any]) -> list[str]:
    return [str(a) for a in as_list(get(statement, "Action"))]


@resource_rule("iam-no-star-on-star", family="guardrails", types=t.IAM_POLICIES, control="IAM.1",
               refs=("cis-aws-3.0:1.16",),
               severity=Severity.CRITICAL,
               description="Checks whether an IAM policy allows every action ('*') on every resource ('*').",
               message="Name the actions and the resources the role needs (least privilege)")
def iam_star(props: Mapping[str, Any], config: Mapping[str, Any]):
    for statement in statements(document(get(props, "policy"))):
        if get(statement, "Effect") == "Allow" and "*" in _actions(statement) \
                and "*" in [str(r) for r in as_list(get(statement, "Resource"))]:
            yield f"statement {get(statement, 'Sid', default='?')} allows * on *"


@resource_rule("iam-role-permissions-boundary", family="guardrails", types=[t.IAM_ROLE], severity=Severity.HIGH,
               level=EnforcementLevel.ADVISORY,
               description="Checks whether every IAM role carries the platform's permissions boundary and lives under "
                           "its path, so no role the pipeline creates can exceed what the boundary allows.",
               message="Create the role with components.iam.workload_role (permissions_boundary and path from "
                       "config; bootstrap creates the boundary), or list it in `exemptions` with the reason",
               settings={
                   "boundaryName": Setting("elite-locadora-workload-boundary", {"type": "string"},
                                           "name of the boundary policy (its ARN must end with it)"),
                   "pathPrefix": Setting("/elite-locadora/", {"type": "string"}, "required start of the role path"),
                   "exemptions": Setting({}, {"type": "object", "additionalProperties": {"type": "string"}},
                                         "role name -> why it may go without the boundary")})
def iam_boundary(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "name") in config["exemptions"]:
        return
    boundary = get(props, "permissionsBoundary")
    if not boundary or not str(boundary).endswith("/" + config["boundaryName"]):
        yield f"permissionsBoundary {boundary or 'missing'}"
    path = str(get(props, "path", default="/"))
    if not path.startswith(config["pathPrefix"]):
        yield f"path {path} outside {config['pathPrefix']}"


TAGGABLE_PREFIXES = ("aws:ec2/", "aws:rds/", "aws:elasticache/", "aws:s3/bucket:", "aws:kms/key:", "aws:lb/",
                     "aws:ecs/", "aws:ecr/repository:", "aws:cloudwatch/logGroup:", "aws:sns/topic:",
                     "aws:opensearch/", "aws:kinesis/", "aws:cloudfront/distribution:", "aws:wafv2/webAcl:",
                     "aws:iam/role:", "aws:iam/serviceLinkedRole:", "aws:ssm/parameter:", "aws:acm/certificate:",
                     "aws:vpc/securityGroup", "aws:cloudwatch/metricAlarm:", "aws:cloudwatch/logDelivery",
                     "aws:appautoscaling/target:", "aws:route53/zone:", "aws:route53/healthCheck:",
                     "aws:secretsmanager/secret:")
UNTAGGABLE = {"aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation",
              "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation",
              "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
              "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
              "aws:lb/targetGroupAttachment:TargetGroupAttachment"}


def _taggable(resource_type: str) -> bool:
    return resource_type.startswith(TAGGABLE_PREFIXES) and resource_type not in UNTAGGABLE


@resource_rule("required-tags", family="guardrails", types=_taggable, severity=Severity.LOW,
               level=EnforcementLevel.MANDATORY,
               description="Checks whether taggable resources carry the required tags.",
               message="Tag the resource from components/tagging.py (stack_tags + named)",
               settings={"keys": Setting(["Project", "Environment", "ManagedBy", "Owner", "CostCenter"],
                                         {"type": "array", "items": {"type": "string"}}, "required tag keys")})
def required_tags(props: Mapping[str, Any], config: Mapping[str, Any]):
    missing = [k for k in config["keys"] if k not in tags_of(props)]
    return f"missing {', '.join(missing)}" if missing else None


@resource_rule("alb-drops-invalid-headers", family="guardrails", types=t.LOAD_BALANCERS, control="ELB.4",
               description="Checks whether application load balancers drop invalid HTTP header fields.",
               message="Set drop_invalid_header_fields=True on the load balancer")
def alb_invalid_headers(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "loadBalancerType", default="application") != "application":
        return None
    return None if get(props, "dropInvalidHeaderFields") is True else "dropInvalidHeaderFields is not true"


@resource_rule("alb-access-logs", family="guardrails", types=t.LOAD_BALANCERS, control="ELB.5",
               severity=Severity.MEDIUM,
               description="Checks whether load balancers write access logs.",
               message="Set access_logs={bucket, prefix, enabled: True} to the logs bucket")
def alb_access_logs(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "accessLogs", "enabled") is True else "access logs off"


@resource_rule("alb-deletion-protection", family="guardrails", types=t.LOAD_BALANCERS, control="ELB.6",
               severity=Severity.MEDIUM,
               description="Checks whether load balancers are protected from deletion where required.",
               message="Set enable_deletion_protection=True (albDeletionProtection)",
               settings={"required": Setting(False, {"type": "boolean"}, "deletion protection required")})
def alb_deletion_protection(props: Mapping[str, Any], config: Mapping[str, Any]):
    if config["required"] and get(props, "enableDeletionProtection") is not True:
        return "enableDeletionProtection is not true"
    return None


@stack_rule("alb-waf-associated", judges=t.LOAD_BALANCERS,
            family="guardrails", control="ELB.16", severity=Severity.HIGH,
            description="Checks whether every application load balancer has a WAF web ACL associated.",
            message="Associate a REGIONAL web ACL with the load balancer (aws.wafv2.WebAclAssociation)")
def alb_waf(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    protected = referenced(resources, t.WEB_ACL_ASSOCIATION, "resourceArn")
    for lb in of_type(resources, *t.LOAD_BALANCERS):
        kind = known(lb.props, "loadBalancerType", default="application")
        if kind in (None, "application") and lb.urn not in protected:
            yield lb.urn, "no web ACL association"


@resource_rule("cloudfront-waf-attached", family="guardrails", types=[t.DISTRIBUTION], control="CloudFront.6",
               description="Checks whether CloudFront distributions have a WAF web ACL.",
               message="Set web_acl_id to a CLOUDFRONT-scope web ACL's ARN")
def cloudfront_waf(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "webAclId") else "no webAclId"


@resource_rule("waf-rate-limit-rule", family="guardrails", types=[t.WEB_ACL],
               description="Checks whether each web ACL blocks clients above a per-IP request rate.",
               message="Add a rate-based rule with action block and limit <= maximumLimit (guide: 2000 per IP)",
               settings={"maximumLimit": Setting(2000, {"type": "integer", "minimum": 10},
                                                 "highest acceptable per-IP limit per 5 minutes")})
def waf_rate_limit(props: Mapping[str, Any], config: Mapping[str, Any]):
    for rule in as_list(get(props, "rules")):
        limit = number(get(rule, "statement", "rateBasedStatement", "limit"))
        if limit is not None and get(rule, "action", "block") is not None and limit <= config["maximumLimit"]:
            return None
    return "no blocking rate-based rule within the limit"


@stack_rule("cloudfront-access-logging", judges=[t.DISTRIBUTION],
            family="guardrails", control="CloudFront.5", severity=Severity.MEDIUM,
            description="Checks whether each distribution delivers access logs (standard logging v2 or legacy).",
            message="Add a LogDeliverySource (ACCESS_LOGS) for the distribution with a delivery to the logs bucket")
def cloudfront_logging(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    # A source logs nothing until a delivery connects it to a destination.
    delivered = referenced(resources, "aws:cloudwatch/logDelivery:LogDelivery", "deliverySourceName")
    logged = {target.urn for source in of_type(resources, t.LOG_DELIVERY_SOURCE) if source.urn in delivered
              for target in depends_on(source, "resourceArn")}
    for distribution in of_type(resources, t.DISTRIBUTION):
        legacy = known(distribution.props, "loggingConfig", "bucket", unknown="?")
        if distribution.urn not in logged and not legacy:
            yield distribution.urn, "no access logs"


@stack_rule("vpc-flow-logs-enabled", judges=[t.VPC, t.FLOW_LOG],
            family="guardrails", control="EC2.6", severity=Severity.MEDIUM,
            refs=("cis-aws-3.0:3.7", "pci-dss-4.0.1:10.2.1"),
            description="Checks whether every VPC has flow logs recording a traffic type in trafficTypes (ALL: "
                        "an investigation needs the accepted connections, not only the rejected ones).",
            message="Add an aws.ec2.FlowLog for the VPC (the network tier does) with traffic_type ALL "
                    "(flowLogTrafficType)",
            settings={"trafficTypes": Setting(["ALL"], {"type": "array", "items": {"type": "string"}},
                                              "traffic types a flow log may record")})
def vpc_flow_logs(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    for vpc in unlinked(resources, t.VPC, t.FLOW_LOG, "vpcId"):
        yield vpc.urn, "no flow log"
    for flow_log in of_type(resources, t.FLOW_LOG):
        traffic = known(flow_log.props, "trafficType", default="ALL", unknown="ALL")
        if traffic not in config["trafficTypes"]:
            yield flow_log.urn, f"records {traffic} traffic only"


@resource_rule("default-security-group-closed", family="guardrails", types=[t.DEFAULT_SECURITY_GROUP],
               refs=("cis-aws-3.0:5.4",),
               control="EC2.2", severity=Severity.MEDIUM,
               description="Checks whether the VPC default security group has no rules.",
               message="Adopt the default security group with ingress=[] and egress=[]")
def default_sg(props: Mapping[str, Any], config: Mapping[str, Any]):
    if as_list(get(props, "ingress")) or as_list(get(props, "egress")):
        return "default security group has rules"
    return None


@resource_rule("subnet-no-auto-public-ip", family="guardrails", types=[t.SUBNET], control="EC2.15",
               severity=Severity.MEDIUM,
               description="Checks whether subnets hand out public IPs automatically.",
               message="Set map_public_ip_on_launch=False")
def subnet_public_ip(props: Mapping[str, Any], config: Mapping[str, Any]):
    return "mapPublicIpOnLaunch is true" if get(props, "mapPublicIpOnLaunch") is True else None


@resource_rule("ecs-service-no-public-ip", family="guardrails", types=[t.ECS_SERVICE], control="ECS.2",
               description="Checks whether ECS services assign public IPs to tasks.",
               message="Run tasks in private subnets with assign_public_ip=False")
def ecs_public_ip(props: Mapping[str, Any], config: Mapping[str, Any]):
    return "assignPublicIp is true" if get(props, "networkConfiguration", "assignPublicIp") is True else None


@resource_rule("ecs-container-insights", family="guardrails", types=[t.ECS_CLUSTER], control="ECS.12",
               severity=Severity.LOW,
               description="Checks whether ECS clusters have Container Insights.",
               message="Add setting containerInsights=enabled (or enhanced) to the cluster")
def ecs_insights(props: Mapping[str, Any], config: Mapping[str, Any]):
    for setting in as_list(get(props, "settings")):
        if get(setting, "name") == "containerInsights" and get(setting, "value") in ("enabled", "enhanced"):
            return None
    return "Container Insights off"


@resource_rule("ecs-read-only-root-filesystem", family="guardrails", types=[t.ECS_TASK_DEFINITION], control="ECS.5",
               severity=Severity.MEDIUM,
               description="Checks whether containers run with a read-only root filesystem.",
               message="Set readonlyRootFilesystem=true and mount writable paths (writablePaths in config)")
def ecs_read_only(props: Mapping[str, Any], config: Mapping[str, Any]):
    for container in _containers(props):
        if container.get("readonlyRootFilesystem") is not True:
            yield f"{container.get('name')} has a writable root"


@resource_rule("ecr-scan-on-push-and-immutable-tags", family="guardrails", types=[t.ECR_REPOSITORY, t.ECR_TEMPLATE],
               refs=("pci-dss-4.0.1:6.3.1", "pci-dss-4.0.1:11.3.1",),
               control=("ECR.1", "ECR.2"), severity=Severity.MEDIUM,
               description="Checks whether ECR repositories scan images on push and keep tags immutable (templates "
                           "that replication creates repositories from: immutable tags; scanning is the registry's).",
               message="Set image_scanning_configuration.scan_on_push=True and image_tag_mutability='IMMUTABLE'")
def ecr_hardening(props: Mapping[str, Any], config: Mapping[str, Any], resource_type: str):
    if resource_type == t.ECR_REPOSITORY and get(props, "imageScanningConfiguration", "scanOnPush") is not True:
        yield "scanOnPush is not true"
    if get(props, "imageTagMutability", default="MUTABLE") != "IMMUTABLE":
        yield f"imageTagMutability {get(props, 'imageTagMutability', default='MUTABLE')}"


@resource_rule("opensearch-private-with-access-control", family="guardrails", types=t.OPENSEARCH,
               control=("OpenSearch.2", "ES.2"), severity=Severity.HIGH,
               description="Checks whether OpenSearch domains live in a VPC and have no access policy open to "
                           "everyone without a condition naming the caller.",
               message="Set vpc_options and an access policy naming roles")
def opensearch_access(props: Mapping[str, Any], config: Mapping[str, Any]):
    if not as_list(get(props, "vpcOptions", "subnetIds")):
        yield "not in a VPC"
    yield from (f"access policy {finding}" for finding in public_statements(get(props, "accessPolicies")))


@resource_rule("cloudwatch-log-retention", family="guardrails", types=[t.LOG_GROUP], control="CloudWatch.16",
               severity=Severity.LOW,
               description="Checks whether log groups keep logs for a bounded period of at least minimumDays.",
               message="Set retention_in_days (logRetentionDays) to at least minimumDays",
               settings={"minimumDays": Setting(7, {"type": "integer", "minimum": 1}, "shortest retention")})
def log_retention(props: Mapping[str, Any], config: Mapping[str, Any]):
    days = number(get(props, "retentionInDays", default=0))
    if not days:
        return "retention is unlimited or unset"
    return None if days >= config["minimumDays"] else f"{days:.0f} days"


POLICIES = [s3_public_acl, s3_public_access_block, s3_has_block, s3_policy_public, world_ingress, rds_public,
            data_store_ingress, ecs_images, ecs_secrets, iam_star, required_tags, alb_invalid_headers,
            alb_access_logs, alb_deletion_protection,
            alb_waf, cloudfront_waf, waf_rate_limit, cloudfront_logging, vpc_flow_logs, default_sg,
            subnet_public_ip, ecs_public_ip, ecs_insights, ecs_read_only, ecr_hardening, opensearch_access,
            log_retention, iam_boundary]
