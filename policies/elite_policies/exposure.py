"""Who and what can reach the platform: whom a role trusts, which accounts a resource policy lets
in, where the private and isolated tiers may send traffic, which requests reach the services
without passing the edge, what the WAF inspects and what its logs keep, secret values stored as
plain text and the strength of generated secrets, and the headers the edge adds.

These judge documents statement by statement (principals, NotPrincipal, conditions) and network
paths across resources (a route table is judged by the subnets associated with it).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity

from . import _types as t
from ._framework import (
    UNKNOWN,
    Setting,
    as_list,
    cache_behaviours,
    depends_on,
    document,
    get,
    known,
    number,
    of_type,
    plain,
    resource_rule,
    stack_rule,
    statements,
)

WORLD = ("0.0.0.0/0", "::/0")
ACCOUNT_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):")
ACCOUNT_ID = re.compile(r"^\d{12}$")
# Accounts AWS itself delivers from: Elastic Load Balancing's log-delivery accounts of the regions
# opened before August 2022 (ELB user guide, "Enable access logs": attach a policy to your
# bucket). A bucket policy may let them write (s3:PutObject) and nothing else.
AWS_LOG_DELIVERY_ACCOUNTS = frozenset({"127311923021", "033677994240", "027434742980", "797873946194",
                                       "156460612806", "054676820928", "507241528517"})


def _sid(statement: Mapping[str, Any]) -> str:
    return str(get(statement, "Sid", default="?"))


def _condition_keys(statement: Mapping[str, Any]) -> dict[str, list[str]]:
    """Condition key (lower case) -> the values any operator gives it."""
    found: dict[str, list[str]] = {}
    for operator, keys in (get(statement, "Condition", default={}) or {}).items():
        if isinstance(keys, Mapping):
            for key, values in keys.items():
                found.setdefault(str(key).lower(), []).extend(str(v) for v in as_list(values))
                found.setdefault(f"{operator}:{str(key).lower()}", []).extend(str(v) for v in as_list(values))
    return found


# --- whom a role trusts --------------------------------------------------------------------------------


# Keys that tie a service's assume-role call to this account or resource (confused deputy).
DEPUTY_KEYS = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths", "sts:externalid")
# EC2 instance profiles and Lambda functions assume their roles with no source key to match.
UNPINNABLE_SERVICES = ["ec2.amazonaws.com", "lambda.amazonaws.com", "edgelambda.amazonaws.com"]


@resource_rule("iam-role-trust-scoped", family="guardrails", types=[t.IAM_ROLE], severity=Severity.CRITICAL,
               refs=("pci-dss-4.0.1:7.2.1", "checkov:CKV_AWS_60", "checkov:CKV_AWS_358"),
               description="Checks whether a role's trust policy admits only named principals: no '*', no "
                           "NotPrincipal, a service only on behalf of this account (aws:SourceAccount, "
                           "aws:SourceArn or sts:ExternalId: the confused deputy), web-identity (OIDC) trust "
                           "conditioned on the token's audience and an exact subject; and whether its sessions "
                           "are bounded.",
               message="Trust a named service or account; condition a service's trust on aws:SourceAccount (or "
                       "aws:SourceArn; Firehose: sts:ExternalId); for GitHub OIDC condition on "
                       "token.actions.githubusercontent.com:aud = sts.amazonaws.com and an exact :sub "
                       "(repo:ORG/REPO:environment:NAME); keep max_session_duration <= maximumSessionSeconds",
               settings={"maximumSessionSeconds": Setting(14400, {"type": "integer", "minimum": 900},
                                                          "longest session a role hands out (a 90-minute "
                                                          "first up fits in the default)"),
                         "unpinnableServices": Setting(UNPINNABLE_SERVICES, {"type": "array",
                                                                             "items": {"type": "string"}},
                                                       "services whose role sessions carry no source key")})
def role_trust(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    session = number(get(props, "maxSessionDuration"))
    if session is not None and session > config["maximumSessionSeconds"]:
        yield f"sessions last {session:.0f} s"
    for statement in statements(document(get(props, "assumeRolePolicy"))):
        if get(statement, "Effect") != "Allow":
            continue
        if get(statement, "NotPrincipal") is not None:
            yield f"statement {_sid(statement)} trusts everyone but a list (NotPrincipal)"
        principal = get(statement, "Principal")
        if principal == "*" or (isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))):
            yield f"statement {_sid(statement)} trusts every AWS principal"
        federated = as_list(principal.get("Federated")) if isinstance(principal, Mapping) else []
        keys = _condition_keys(statement)
        services = [str(s) for s in as_list(principal.get("Service"))] if isinstance(principal, Mapping) else []
        unpinned = [s for s in services if s not in config["unpinnableServices"]]
        if unpinned and not any(keys.get(k) for k in DEPUTY_KEYS):
            yield f"statement {_sid(statement)} lets {', '.join(unpinned)} assume it for any account"
        for provider in federated:
            issuer = _issuer(str(provider))
            if issuer is None:
                continue  # SAML or a Cognito pool: no sub/aud convention to judge
            audience, subjects = keys.get(f"{issuer}:aud", []), keys.get(f"{issuer}:sub", [])
            if not audience:
                yield f"statement {_sid(statement)} trusts {issuer} tokens of any audience"
            if not subjects:
                yield f"statement {_sid(statement)} trusts {issuer} tokens of any subject"
            for subject in subjects:
                if _broad_subject(subject):
                    yield f"statement {_sid(statement)} trusts subject {subject}"


def _broad_subject(subject: str) -> bool:
    """repo:ORG/REPO:QUALIFIER with a wildcard in the repository or as the whole qualifier (any
    branch, tag, environment or pull request of it) trusts more than one pipeline."""
    parts = subject.split(":")
    return len(parts) < 3 or "*" in parts[1] or ":".join(parts[2:]) in ("*", "ref:*")


def _issuer(provider: str) -> str | None:
    """The issuer host an OIDC provider ARN names (its condition keys start with it)."""
    if provider == "token.actions.githubusercontent.com":
        return provider
    if ":oidc-provider/" in provider:
        return provider.split(":oidc-provider/", 1)[1]
    if "openIdConnectProvider/github" in provider or provider.endswith("token.actions.githubusercontent.com"):
        return "token.actions.githubusercontent.com"
    return None


# --- which accounts a resource policy lets in -----------------------------------------------------------

# Every document that grants principals, by type and property.
PRINCIPAL_DOCUMENTS: dict[str, str] = {
    t.IAM_ROLE: "assumeRolePolicy", t.KMS_KEY: "policy", t.BUCKET_POLICY: "policy", t.SNS_TOPIC: "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy", "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy", "aws:cloudwatch/logResourcePolicy:LogResourcePolicy":
    "policyDocument", "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "repositoryPolicy",
    "aws:opensearch/domain:Domain": "accessPolicies", "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
}


def _accounts_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        match = ACCOUNT_ARN.match(value)
        if match:
            yield match.group(1)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _accounts_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _accounts_in(item)


def _principal_accounts(statement: Mapping[str, Any]) -> list[str]:
    principal = get(statement, "Principal")
    found = []
    for value in as_list(principal.get("AWS")) if isinstance(principal, Mapping) else []:
        text = str(value)
        if ACCOUNT_ID.match(text):
            found.append(text)
        elif match := ACCOUNT_ARN.match(text):
            found.append(match.group(1))
    keys = _condition_keys(statement)
    found += [v for k in ("aws:sourceaccount", "aws:principalaccount") for v in keys.get(k, []) if ACCOUNT_ID.match(v)]
    return found


def home_accounts(resources: Sequence[PolicyResource]) -> set[str]:
    """The account(s) the stack lives in: the account id that most of the ARNs its resources
    pass to each other carry (the program derives them from the caller's identity, so a foreign
    account appears in a few grants at most)."""
    counts: Counter[str] = Counter()
    for resource in resources:
        counts.update(_accounts_in(plain(resource.props)))
    if not counts:
        return set()
    top = counts.most_common(1)[0][1]
    return {account for account, n in counts.items() if n == top}


@stack_rule("resource-policy-no-foreign-account",
            judges=[*PRINCIPAL_DOCUMENTS, "aws:ecr/replicationConfiguration:ReplicationConfiguration"],
            family="guardrails", severity=Severity.CRITICAL,
            refs=("pci-dss-4.0.1:7.2.1", "checkov:CKV_AWS_283"),
            description="Checks whether trust, key, bucket, topic, repository, log and search-domain policies "
                        "grant principals of an account other than the stack's own (or those listed in "
                        "trustedAccounts), whether any grants by exclusion (NotPrincipal), and whether images "
                        "replicate into another account's registry.",
            message="Grant only this account's principals; list a partner or organization account in the stack's "
                    "policy config `trustedAccounts` with the reason",
            settings={"trustedAccounts": Setting({}, {"type": "object", "additionalProperties": {"type": "string"}},
                                                 "account id -> why its principals may be granted")})
def foreign_accounts(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    home = home_accounts(resources)
    if not home:
        return
    trusted = set(config["trustedAccounts"])
    for replication in of_type(resources, "aws:ecr/replicationConfiguration:ReplicationConfiguration"):
        rules = as_list(plain(known(replication.props, "replicationConfiguration", "rules", default=[])))
        registries = {str(get(d, "registryId")) for r in rules if isinstance(r, Mapping)
                      for d in as_list(get(r, "destinations")) if isinstance(d, Mapping)}
        for registry in sorted(r for r in registries - home - trusted - {"None"} if ACCOUNT_ID.match(r)):
            yield replication.urn, f"replicates images to account {registry}"
    for resource in resources:
        prop = PRINCIPAL_DOCUMENTS.get(resource.resource_type)
        if prop is None:
            continue
        doc = document(known(resource.props, prop))
        for statement in statements(doc):
            if get(statement, "Effect") != "Allow":
                continue
            if get(statement, "NotPrincipal") is not None:
                yield resource.urn, f"statement {_sid(statement)} grants by exclusion (NotPrincipal)"
            accepted = home | trusted
            if {str(a) for a in as_list(get(statement, "Action"))} <= {"s3:PutObject"}:
                accepted = accepted | AWS_LOG_DELIVERY_ACCOUNTS
            foreign = sorted({a for a in _principal_accounts(statement) if a not in accepted})
            if foreign:
                yield resource.urn, f"statement {_sid(statement)} grants account {', '.join(foreign)}"


# --- where traffic may go ----------------------------------------------------------------------------


def _egress_rules(resources: Sequence[PolicyResource]) -> Iterator[tuple[PolicyResource, Mapping[str, Any]]]:
    for rule in of_type(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"):
        yield rule, rule.props
    for rule in of_type(resources, "aws:ec2/securityGroupRule:SecurityGroupRule"):
        if known(rule.props, "type") == "egress":
            yield rule, rule.props
    for group in of_type(resources, t.SECURITY_GROUP):
        for rule in as_list(known(group.props, "egress", default=[])):
            if isinstance(rule, Mapping):
                yield group, rule


def _destinations(rule: Mapping[str, Any]) -> list[str]:
    return [*as_list(known(rule, "cidrIpv4")), *as_list(known(rule, "cidrIpv6")),
            *as_list(known(rule, "cidrBlocks")), *as_list(known(rule, "ipv6CidrBlocks"))]


@stack_rule("security-group-egress-restricted",
            judges=[t.SECURITY_GROUP, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                    "aws:ec2/securityGroupRule:SecurityGroupRule"],
            family="guardrails", severity=Severity.HIGH,
            refs=("pci-dss-4.0.1:1.3.2", "pci-dss-4.0.1:1.4.4", "checkov:CKV_AWS_382"),
            description="Checks whether any security group lets traffic out to the whole internet on every "
                        "protocol or on a port other than worldEgressPorts (the application tier reaches Stripe "
                        "and AWS APIs over 443; data stores reach nothing).",
            message="Send egress to a security group, a VPC CIDR or a prefix list; to 0.0.0.0/0 only TCP on "
                    "worldEgressPorts",
            settings={"worldEgressPorts": Setting([443], {"type": "array", "items": {"type": "integer"}},
                                                  "TCP ports any security group may reach on the internet")})
def egress(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    ports = {float(p) for p in config["worldEgressPorts"]}
    for owner, rule in _egress_rules(resources):
        if not any(d in WORLD for d in _destinations(rule)):
            continue
        protocol = str(known(rule, "ipProtocol", default=known(rule, "protocol", default="")))
        low, high = number(known(rule, "fromPort")), number(known(rule, "toPort"))
        if protocol in ("-1", "all"):
            yield owner.urn, "all protocols to the internet"
        elif protocol not in ("tcp", "6") or low is None or high is None or low != high or low not in ports:
            yield owner.urn, f"{protocol} {low if low is None else int(low)}-{high if high is None else int(high)} " \
                             "to the internet"


def route_table_tiers(resources: Sequence[PolicyResource]) -> dict[str, set[str]]:
    """Route table URN -> the Tier tags of the subnets associated with it."""
    tiers: dict[str, set[str]] = {}
    for association in of_type(resources, "aws:ec2/routeTableAssociation:RouteTableAssociation"):
        for subnet in depends_on(association, "subnetId"):
            tier = _tier(subnet)
            for table in depends_on(association, "routeTableId"):
                if isinstance(tier, str):
                    tiers.setdefault(table.urn, set()).add(tier)
    return tiers


def _tier(subnet: PolicyResource) -> Any:
    """The subnet's Tier tag; UNKNOWN while it is unknown, None without one."""
    return known(subnet.props, "tags", "Tier", unknown=UNKNOWN)


def _internet_targets(route: Mapping[str, Any]) -> list[str]:
    if not any(known(route, key) in WORLD for key in ("destinationCidrBlock", "cidrBlock", "destinationIpv6CidrBlock",
                                                         "ipv6CidrBlock")):
        return []
    found = []
    gateway = known(route, "gatewayId")
    if isinstance(gateway, str) and gateway.startswith("igw-"):
        found.append("an internet gateway")
    if known(route, "egressOnlyGatewayId"):
        found.append("an egress-only gateway")
    if known(route, "natGatewayId"):
        found.append("a NAT gateway")
    return found


@stack_rule("subnet-tier-routes", judges=["aws:ec2/route:Route", "aws:ec2/routeTable:RouteTable"],
            family="guardrails", severity=Severity.HIGH,
            refs=("pci-dss-4.0.1:1.3.1", "pci-dss-4.0.1:1.4.2"),
            description="Checks whether the route tables of isolated (data) subnets have no default route to an "
                        "internet or NAT gateway, and those of private (application) subnets none to an internet "
                        "gateway (subnets by their Tier tag; routes inline or as Route resources).",
            message="Keep isolated subnets on a route table with local routes and gateway endpoints only; private "
                    "subnets reach the internet through NAT, never an internet gateway")
def tier_routes(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    tiers_of_table = route_table_tiers(resources)
    routes: list[tuple[PolicyResource, str, Mapping[str, Any]]] = []
    for table in of_type(resources, "aws:ec2/routeTable:RouteTable"):
        routes += [(table, table.urn, r) for r in as_list(known(table.props, "routes", default=[]))
                   if isinstance(r, Mapping)]
    for route_resource in of_type(resources, "aws:ec2/route:Route"):
        routes += [(route_resource, table.urn, route_resource.props)
                   for table in depends_on(route_resource, "routeTableId")]
    for owner, table_urn, route in routes:
        tiers = tiers_of_table.get(table_urn, set())
        for target in _internet_targets(route):
            if "isolated" in tiers:
                yield owner.urn, f"isolated subnets route to {target}"
            elif "private" in tiers and target == "an internet gateway":
                yield owner.urn, "private subnets route straight to an internet gateway"


# --- what reaches the services without the edge ----------------------------------------------------------


def _forwards(actions: Any) -> bool:
    return any(isinstance(a, Mapping) and get(a, "type") == "forward" for a in as_list(actions))


@resource_rule("alb-listener-rules-origin-verified", family="guardrails",
               types=["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule", *t.LISTENERS],
               severity=Severity.HIGH, refs=("pci-dss-4.0.1:1.4.1", "aws-docs:cloudfront-restrict-alb"),
               description="Checks whether every listener rule that forwards to the services requires the secret "
                           "header CloudFront adds (originHeader), and whether no listener forwards by default — so "
                           "no request reaches a service without passing the edge's WAF.",
               message="Add an http_header condition on originHeader to every forwarding rule; give the listener a "
                       "fixed-response (403) or redirect default action",
               settings={"originHeader": Setting("X-Origin-Verify", {"type": "string"},
                                                 "header CloudFront sends the ALB (empty: origin protection off)")})
def origin_verified(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    header = str(config["originHeader"]).lower()
    if not header:
        return
    if "defaultActions" in props or "loadBalancerArn" in props:  # a listener
        if _forwards(get(props, "defaultActions")):
            yield "the listener forwards by default"
        return
    if not _forwards(get(props, "actions")):
        return
    for condition in as_list(get(props, "conditions")):
        http = get(condition, "httpHeader") if isinstance(condition, Mapping) else None
        if http and str(get(http, "httpHeaderName", default="")).lower() == header and as_list(get(http, "values")):
            return
    yield f"a forwarding rule without the {config['originHeader']} condition"


# --- what the WAF inspects and logs ---------------------------------------------------------------------

REQUIRED_GROUPS = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                   "AWSManagedRulesSQLiRuleSet"]


@resource_rule("waf-required-managed-rule-groups", family="guardrails", types=[t.WEB_ACL], severity=Severity.HIGH,
               refs=("pci-dss-4.0.1:6.4.2", "checkov:CKV_AWS_192"),
               description="Checks whether each web ACL enforces the managed rule groups the application needs "
                           "(common rules, known bad inputs incl. Log4j, SQL injection for the MySQL-backed API), "
                           "none of them only counting.",
               message="Add each of requiredGroups as a managedRuleGroupStatement with override_action none",
               settings={"requiredGroups": Setting(REQUIRED_GROUPS, {"type": "array", "items": {"type": "string"}},
                                                   "AWS managed rule groups every web ACL enforces")})
def waf_groups(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    enforcing: set[str] = set()
    counting: set[str] = set()
    for rule in as_list(get(props, "rules")):
        group = get(rule, "statement", "managedRuleGroupStatement", "name")
        if group:
            (counting if get(rule, "overrideAction", "count") is not None else enforcing).add(group)
    for group in config["requiredGroups"]:
        if group in counting:
            yield f"{group} only counts"
        elif group not in enforcing:
            yield f"{group} missing"


@resource_rule("waf-logging-redacts-credentials", family="guardrails",
               types=["aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"], severity=Severity.MEDIUM,
               refs=("pci-dss-4.0.1:3.3.1", "pci-dss-4.0.1:10.3.1"),
               description="Checks whether WAF logs redact the request headers that carry credentials (sessions, "
                           "bearer tokens) before they are stored.",
               message="Add redacted_fields single_header entries for each of redactedHeaders",
               settings={"redactedHeaders": Setting(["authorization", "cookie"],
                                                    {"type": "array", "items": {"type": "string"}},
                                                    "headers WAF logs must never keep")})
def waf_redaction(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    redacted = {str(get(f, "singleHeader", "name", default="")).lower() for f in as_list(get(props, "redactedFields"))}
    for header in config["redactedHeaders"]:
        if header.lower() not in redacted:
            yield f"{header} is logged"


# --- secrets --------------------------------------------------------------------------------------------

SECRET_VALUE_PATTERNS = {
    "a Stripe secret key": r"\b[sr]k_(live|test)_[0-9A-Za-z]{8,}",
    "an AWS access key": r"\b(AKIA|ASIA)[0-9A-Z]{16}\b",
    "a private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "credentials in a URL": r"://[^/\s:@]+:[^/\s@]+@",
    "a JSON web token": r"\beyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}\.",
    "a password assignment": r"(?i)\b(password|passwd|secret)\s*[=:]\s*\S{6,}",
}


def secret_kind(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return next((kind for kind, pattern in SECRET_VALUE_PATTERNS.items() if re.search(pattern, value)), None)


@resource_rule("ssm-plain-parameter-no-secret-value", family="guardrails", types=[t.SSM_PARAMETER],
               severity=Severity.CRITICAL, refs=("pci-dss-4.0.1:3.5.1", "pci-dss-4.0.1:8.3.2", "kics:ssm-secret"),
               description="Checks whether a String or StringList parameter (readable by anyone with "
                           "ssm:GetParameter, kept unencrypted in state) holds a value that looks like a secret.",
               message="Store the value as a SecureString with the secrets key (pulumi config set --secret)")
def ssm_plain_secret(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    if get(props, "type") == "SecureString":
        return None
    for key in ("value", "insecureValue"):
        kind = secret_kind(get(props, key))
        if kind:
            return f"{get(props, 'type', default='String')} {key} holds {kind}"
    return None


CHARSETS = {"lower": 26, "upper": 26, "numeric": 10}
DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"


@resource_rule("random-password-strength", family="guardrails", types=["random:index/randomPassword:RandomPassword"],
               severity=Severity.HIGH, refs=("pci-dss-4.0.1:8.3.6",),
               description="Checks whether generated secrets (database, cache AUTH, JWT, origin header) have at "
                           "least minimumBits of entropy and minimumLength characters.",
               message="Raise length (or enable more character classes) until the secret reaches minimumBits",
               settings={"minimumBits": Setting(128, {"type": "integer", "minimum": 64}, "entropy floor in bits"),
                         "minimumLength": Setting(16, {"type": "integer", "minimum": 8}, "shortest secret")})
def password_strength(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    length = number(get(props, "length"))
    if length is None:
        return "no length"
    alphabet = sum(n for key, n in CHARSETS.items() if get(props, key, default=True) is not False
                   and not (key == "numeric" and get(props, "number") is False))
    if get(props, "special", default=True) is not False:
        alphabet += len(set(get(props, "overrideSpecial", default=DEFAULT_SPECIAL) or ""))
    bits = length * math.log2(alphabet) if alphabet > 1 else 0.0
    if length < config["minimumLength"] or bits < config["minimumBits"]:
        return f"length {length:.0f} over {alphabet} characters = {bits:.0f} bits"
    return None


# --- the edge ---------------------------------------------------------------------------------------------


@resource_rule("cloudfront-security-headers", family="guardrails", types=[t.DISTRIBUTION], severity=Severity.MEDIUM,
               refs=("pci-dss-4.0.1:6.4.3", "checkov:CKV2_AWS_32"),
               description="Checks whether every CloudFront behaviour attaches a response headers policy (HSTS, "
                           "content-type options, frame options, referrer policy).",
               message="Set response_headers_policy_id on every behaviour (the managed SecurityHeadersPolicy or "
                       "one of your own with strict_transport_security)")
def security_headers(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    for path, behaviour in cache_behaviours(props):
        if not get(behaviour, "responseHeadersPolicyId"):
            yield f"behaviour {path} adds no security headers"


@resource_rule("sns-subscription-encrypted-protocol", family="transport",
               types=["aws:sns/topicSubscription:TopicSubscription"], severity=Severity.MEDIUM,
               refs=("pci-dss-4.0.1:4.2.1",),
               description="Checks whether alarm subscriptions are delivered over an encrypted protocol (no plain "
                           "http endpoint).",
               message="Use protocol https (or email, SQS, Lambda) instead of http")
def subscription_protocol(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    protocol = get(props, "protocol")
    endpoint = str(get(props, "endpoint", default=""))
    if protocol == "http" or (protocol == "https" and endpoint.startswith("http://")):
        return f"{protocol} to {endpoint}"
    return None


POLICIES = [role_trust, foreign_accounts, egress, tier_routes, origin_verified, waf_groups, waf_redaction,
            ssm_plain_secret, password_strength, security_headers, subscription_protocol]
