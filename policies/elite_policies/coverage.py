"""Policies the property map (property_map.yaml) showed missing: provider credentials and TLS,
certificates, CloudFront's S3 origins, VPC endpoint and VPN reach, where the data stores sit,
identity providers, WAF failure and log filtering, generated database passwords, dangling DNS,
object ownership and replication encryption, the log stream's delivery — and the catch-all that
refuses a feature the map lists as forbidden until a review gives it a policy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity

from . import _types as t
from . import property_map
from ._framework import (
    UNKNOWN,
    Setting,
    as_list,
    cache_behaviours,
    depends_on,
    document,
    get,
    known,
    of_type,
    plain,
    resource_rule,
    stack_rule,
    statements,
)
from .exposure import route_table_tiers
from .hardening import _s3_origins


@resource_rule("aws-provider-safe", family="guardrails", types=["pulumi:providers:aws"], severity=Severity.CRITICAL,
               refs=("pci-dss-4.0.1:8.6.2", "checkov:CKV_AWS_41"),
               description="Checks whether an AWS provider carries no static credentials, verifies TLS to the AWS "
                           "APIs, sends its calls to AWS's own endpoints (no override or proxy) and, where "
                           "required, pins the accounts it may deploy into.",
               message="Remove access_key/secret_key/token (credentials come from the pipeline's OIDC role), "
                       "insecure, custom_ca_bundle, endpoints and proxies; set allowed_account_ids (config "
                       "accountId) where requireAllowedAccounts is on",
               settings={"requireAllowedAccounts": Setting(False, {"type": "boolean"},
                                                           "providers must name allowed_account_ids")})
def provider_safe(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    for key in ("accessKey", "secretKey", "token"):
        if get(props, key):
            yield f"static credential {key}"
    for key in ("insecure", "skipCredentialsValidation"):
        if str(get(props, key, default="")).lower() == "true":
            yield f"{key} true"
    for key in ("customCaBundle", "endpoints", "httpProxy", "httpsProxy"):
        if get(props, key) not in (None, "", [], {}, "[]"):
            yield f"{key} set"
    if config["requireAllowedAccounts"] and not get(props, "allowedAccountIds"):
        yield "no allowedAccountIds"


@resource_rule("acm-certificate-validated-by-dns", family="transport", types=["aws:acm/certificate:Certificate"],
               severity=Severity.MEDIUM, refs=("aws-docs:acm-dns-validation", "aws-docs:acm-certificate-transparency"),
               description="Checks whether ACM certificates are validated by DNS (so ACM renews them unattended) "
                           "and stay in the Certificate Transparency logs.",
               message="Set validation_method='DNS' and leave certificate_transparency_logging_preference ENABLED")
def acm_dns(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if get(props, "validationMethod") != "DNS":
        yield f"validationMethod {get(props, 'validationMethod')}"
    if get(props, "options", "certificateTransparencyLoggingPreference") == "DISABLED":
        yield "certificate transparency logging disabled"


def _s3_origin_ids(props: Mapping[str, Any]) -> set[str]:
    return {str(get(o, "originId")) for o in _s3_origins(props)}


@resource_rule("cloudfront-s3-origin-failover", family="availability", types=[t.DISTRIBUTION],
               control="CloudFront.4", severity=Severity.LOW, refs=("aws-docs:cloudfront-origin-failover",),
               description="Checks whether, where required, every behaviour served from S3 targets an origin group "
                           "whose members are two S3 origins (the bucket and its cross-region replica), so static "
                           "assets survive the primary region's outage.",
               message="Add an origin_group (the bucket, then its DR replica; status codes 500/502/503/504) and "
                       "point the S3 behaviours at it (config assetsFailoverStack)",
               settings={"required": Setting(True, {"type": "boolean"}, "S3 behaviours must fail over")})
def s3_failover(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if not config["required"]:
        return
    s3 = _s3_origin_ids(props)
    groups = {str(get(g, "originId")): [str(get(m, "originId")) for m in as_list(get(g, "members"))]
              for g in as_list(get(props, "originGroups"))}
    for path, behaviour in cache_behaviours(props):
        target = str(get(behaviour, "targetOriginId"))
        if target in s3:
            yield f"behaviour {path} reads one bucket"
        elif target in groups and not (len(groups[target]) >= 2 and set(groups[target]) <= s3):
            yield f"origin group {target} is not two S3 origins"


@resource_rule("cloudfront-oac-signs-requests", family="guardrails",
               types=["aws:cloudfront/originAccessControl:OriginAccessControl"], severity=Severity.HIGH,
               refs=("aws-docs:cloudfront-restrict-s3",),
               description="Checks whether origin access controls sign every request with SigV4 (a bucket policy "
                           "that admits only CloudFront then refuses the rest).",
               message="Set signing_behavior='always', signing_protocol='sigv4'")
def oac_signs(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if get(props, "signingBehavior") != "always":
        yield f"signingBehavior {get(props, 'signingBehavior')}"
    if get(props, "signingProtocol") != "sigv4":
        yield f"signingProtocol {get(props, 'signingProtocol')}"


PIN_KEYS = {"aws:resourceaccount", "aws:principalaccount", "aws:principalorgid", "aws:resourceorgid",
            "aws:sourcevpc", "aws:sourcevpce"}


@resource_rule("vpc-endpoint-policy-scoped", family="guardrails", types=["aws:ec2/vpcEndpoint:VpcEndpoint"],
               severity=Severity.HIGH, refs=("pci-dss-4.0.1:1.4.4", "aws-docs:vpc-endpoints-access"),
               description="Checks whether every VPC endpoint has a policy whose grants are pinned to this "
                           "account (or name the resources), so the VPC is no way out for data with another "
                           "account's credentials; and interface endpoints use private DNS behind a security group.",
               message="Give the endpoint a policy conditioned on aws:PrincipalAccount / aws:ResourceAccount (or "
                       "naming resources); for Interface endpoints set private_dns_enabled and security_group_ids")
def endpoint_policy(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    doc = document(get(props, "policy"))
    if doc is None:
        yield "no endpoint policy (full access for any principal)"
    for statement in statements(doc):
        if get(statement, "Effect") != "Allow":
            continue
        keys = {str(k).lower() for op in (get(statement, "Condition", default={}) or {}).values()
                if isinstance(op, Mapping) for k in op}
        if "*" in [str(r) for r in as_list(get(statement, "Resource", default="*"))] and not keys & PIN_KEYS:
            yield f"statement {get(statement, 'Sid', default='?')} allows any account"
    if get(props, "vpcEndpointType") == "Interface":
        if get(props, "privateDnsEnabled") is not True:
            yield "private DNS off"
        if not as_list(get(props, "securityGroupIds")):
            yield "no security group"


@stack_rule("vpn-routes-only-to-private-tier", judges=["aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation"],
            family="guardrails", severity=Severity.HIGH,
            refs=("pci-dss-4.0.1:1.3.1", "pci-dss-4.0.1:1.2.5"),
            description="Checks whether VPN route propagation reaches only the private (application) tier's route "
                        "tables: the office network must not get a route into the isolated data subnets or the "
                        "public tier.",
            message="Propagate the VPN gateway's routes into the private route tables only")
def vpn_routes(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    tiers = route_table_tiers(resources)
    for propagation in of_type(resources, "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation"):
        tables = depends_on(propagation, "routeTableId")
        if not tables and known(propagation.props, "routeTableId", unknown=UNSET) is None:
            yield propagation.urn, "no route table"
        for table in tables:
            wrong = tiers.get(table.urn, set()) - {"private"}
            if wrong:
                yield propagation.urn, f"VPN routes reach the {', '.join(sorted(wrong))} tier"


UNSET = object()


@resource_rule("elasticache-final-snapshot", family="backup", types=[t.REDIS_GROUP], severity=Severity.MEDIUM,
               refs=("aws-docs:elasticache-final-snapshot",),
               description="Checks whether deleting the cache leaves a final snapshot where required (sessions and "
                           "queued jobs survive a mistaken replacement).",
               message="Set final_snapshot_identifier on the replication group",
               settings={"required": Setting(True, {"type": "boolean"}, "a final snapshot is required")})
def cache_final_snapshot(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    if config["required"] and not get(props, "finalSnapshotIdentifier"):
        return "no final snapshot"
    return None


@resource_rule("data-stores-own-security-groups", family="guardrails", types=[t.RDS_INSTANCE, t.REDIS_GROUP],
               severity=Severity.HIGH, refs=("pci-dss-4.0.1:1.3.1",),
               description="Checks whether databases and caches name security groups of their own (without them "
                           "AWS attaches the VPC's default group).",
               message="Set vpc_security_group_ids / security_group_ids to the data tier's group")
def data_groups(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    for key in ("vpcSecurityGroupIds", "securityGroupIds"):
        if key in props:
            return None if as_list(get(props, key)) else f"{key} empty"
    return "no security group"


@stack_rule("data-subnets-isolated",
            judges=["aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup"],
            family="guardrails", severity=Severity.HIGH,
            refs=("pci-dss-4.0.1:1.4.4",),
            description="Checks whether DB and cache subnet groups contain only isolated subnets (Tier tag), so "
                        "data stores have no route out.",
            message="Build the subnet group from the network tier's isolated subnets")
def data_subnets(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    subnets = {s.urn: s for s in of_type(resources, t.SUBNET)}
    for group in of_type(resources, "aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup"):
        linked = depends_on(group, "subnetIds")
        given = plain(known(group.props, "subnetIds", default=[], unknown=None))
        if given is not None and len(linked) < len(as_list(given)):
            yield group.urn, "names subnets the stack does not create"
        for subnet in linked:
            tier = known(subnets.get(subnet.urn, subnet).props, "tags", "Tier", unknown=UNKNOWN)
            if tier is not UNKNOWN and tier != "isolated":
                yield group.urn, f"includes a {tier or 'untiered'} subnet"


@resource_rule("iam-oidc-provider-scoped", family="guardrails",
               types=["aws:iam/openIdConnectProvider:OpenIdConnectProvider"], severity=Severity.HIGH,
               refs=("aws-docs:github-oidc", "checkov:CKV_AWS_358"),
               description="Checks whether an OIDC identity provider is reached over HTTPS and accepts only the STS "
                           "audience.",
               message="Use an https:// issuer URL and client_id_lists=['sts.amazonaws.com']")
def oidc_provider(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    if not str(get(props, "url", default="")).startswith("https://"):
        yield f"url {get(props, 'url')}"
    audiences = [str(a) for a in as_list(get(props, "clientIdLists"))]
    if audiences != ["sts.amazonaws.com"]:
        yield f"audiences {', '.join(audiences)}"


@resource_rule("alb-waf-fail-closed", family="guardrails", types=t.LOAD_BALANCERS, severity=Severity.HIGH,
               refs=("aws-docs:waf-fail-open",),
               description="Checks whether a load balancer refuses requests its WAF cannot inspect (fail open lets "
                           "them through uninspected).",
               message="Leave enable_waf_fail_open False")
def waf_fail_closed(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    return "WAF fails open" if get(props, "enableWafFailOpen") is True else None


@stack_rule("rds-password-generated", judges=[t.RDS_INSTANCE], family="guardrails", severity=Severity.HIGH,
            refs=("pci-dss-4.0.1:8.3.6", "pci-dss-4.0.1:8.6.3"),
            description="Checks whether an RDS master password is computed from a generated secret "
                        "(random.RandomPassword) or left to RDS (manage_master_user_password), never typed in.",
            message="Pass the password of a random.RandomPassword (data tier) or set manage_master_user_password")
def rds_password(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    for instance in of_type(resources, t.RDS_INSTANCE):
        if known(instance.props, "password", unknown=UNSET) in (None, UNSET):
            continue
        sources = depends_on(instance, "password")
        if not any(s.resource_type == "random:index/randomPassword:RandomPassword" for s in sources):
            yield instance.urn, "password not generated"


TAKEOVER_SUFFIXES = (".s3-website", ".s3.amazonaws.com", ".elasticbeanstalk.com", ".cloudfront.net",
                     ".azurewebsites.net", ".herokuapp.com", ".github.io")


@stack_rule("route53-no-dangling-records", judges=[t.ROUTE53_RECORD], family="guardrails", severity=Severity.HIGH,
            refs=("aws-docs:route53-dangling-dns",),
            description="Checks whether a record that points at a name anyone can claim (S3 website, Elastic "
                        "Beanstalk, CloudFront, third-party hosts) takes it from a resource of this stack, so the "
                        "target cannot be deleted and claimed by someone else.",
            message="Point the record at a resource the stack creates (an alias or its output), or delete it")
def dangling(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    for record in of_type(resources, t.ROUTE53_RECORD):
        targets = [str(r) for r in as_list(plain(known(record.props, "records", default=[]))) if r is not UNKNOWN]
        risky = [r for r in targets if any(s in r for s in TAKEOVER_SUFFIXES)]
        if risky and not depends_on(record, "records"):
            yield record.urn, f"points at {risky[0]}, which no resource of the stack owns"


@resource_rule("s3-bucket-owner-enforced", family="guardrails",
               types=["aws:s3/bucketOwnershipControls:BucketOwnershipControls"], severity=Severity.MEDIUM,
               control="S3.12", refs=(),
               description="Checks whether buckets disable ACLs (object ownership BucketOwnerEnforced).",
               message="Set rule.object_ownership='BucketOwnerEnforced'")
def owner_enforced(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    owner = get(props, "rule", "objectOwnership")
    return None if owner == "BucketOwnerEnforced" else f"objectOwnership {owner}"


@resource_rule("s3-replication-encrypted", family="encryption", types=[t.BUCKET_REPLICATION],
               severity=Severity.HIGH, refs=("pci-dss-4.0.1:3.5.1",),
               description="Checks whether every replication rule replicates KMS-encrypted objects and encrypts the "
                           "replicas with a key of the destination region.",
               message="Set source_selection_criteria.sse_kms_encrypted_objects.status='Enabled' and "
                       "destination.encryption_configuration.replica_kms_key_id")
def replication_encrypted(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    for rule in as_list(get(props, "rules")):
        name = get(rule, "id", default="?")
        if not get(rule, "destination", "encryptionConfiguration", "replicaKmsKeyId"):
            yield f"rule {name} writes replicas without a key"
        if get(rule, "sourceSelectionCriteria", "sseKmsEncryptedObjects", "status") != "Enabled":
            yield f"rule {name} skips KMS-encrypted objects"


@resource_rule("firehose-delivery-vpc-and-backup", family="guardrails", types=[t.FIREHOSE], severity=Severity.MEDIUM,
               refs=("pci-dss-4.0.1:10.3.3", "pci-dss-4.0.1:10.5.1"),
               description="Checks whether a log stream into OpenSearch delivers inside the VPC, keeps the records "
                           "it could not deliver in an encrypted bucket, and logs its own errors.",
               message="Set opensearch_configuration.vpc_config, s3_backup_mode FailedDocumentsOnly (or "
                       "AllDocuments) with s3_configuration.kms_key_arn, and cloudwatch_logging_options")
def firehose_delivery(props: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[str]:
    search = get(props, "opensearchConfiguration")
    if not search:
        return
    if not get(search, "vpcConfig"):
        yield "delivers over the public endpoint"
    if get(search, "s3BackupMode") not in ("FailedDocumentsOnly", "AllDocuments"):
        yield "no backup of undelivered records"
    if not get(search, "s3Configuration", "kmsKeyArn"):
        yield "backup bucket writes without a key"
    if get(search, "cloudwatchLoggingOptions", "enabled") is not True:
        yield "delivery errors are not logged"


@resource_rule("waf-logging-keeps-every-request", family="guardrails",
               types=["aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"], severity=Severity.MEDIUM,
               refs=("pci-dss-4.0.1:10.2.1",),
               description="Checks whether WAF logging keeps every request by default (a filter that drops by "
                           "default keeps only what it names, and an audit needs the allowed requests too).",
               message="Remove logging_filter, or make its default_behavior KEEP")
def waf_keeps(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    behaviour = get(props, "loggingFilter", "defaultBehavior")
    return "the logging filter drops requests by default" if behaviour == "DROP" else None


def _is_set(value: Any) -> bool:
    return value not in (None, False, "", [], {}, "[]", "{}")


@resource_rule("unreviewed-features-absent", family="guardrails",
               types=lambda token: bool(property_map.forbidden().get(token)), severity=Severity.HIGH,
               refs=("pci-dss-4.0.1:2.2.4", "pci-dss-4.0.1:6.5.1"),
               description="Checks whether a resource sets a property the property map lists as forbidden: a "
                           "feature the platform does not use whose use changes exposure or durability (ECS Exec, "
                           "S3 website hosting, VPC peering routes, imported certificates, ...), so it gets a review "
                           "and a policy before it ships.",
               message="Remove the property, or review it: give it a policy and move it to `judged` in "
                       "policies/elite_policies/property_map.yaml")
def unreviewed(props: Mapping[str, Any], config: Mapping[str, Any], resource_type: str) -> Iterator[str]:
    for prop, why in property_map.forbidden().get(resource_type, {}).items():
        if _is_set(get(props, prop)):
            yield f"{prop}: {why}"


def _reviewed(token: str) -> bool:
    """A type the property map classifies, or a provider of a package whose types it does."""
    if token in property_map.entries():
        return True
    kind, _, package = token.partition(":providers:")
    return kind == "pulumi" and any(t_.split(":")[0] == package for t_ in property_map.entries())


@resource_rule("resource-types-reviewed", family="guardrails",
               types=lambda token: bool(token) and not token.startswith("pulumi:pulumi:") and not _reviewed(token),
               severity=Severity.HIGH, refs=("pci-dss-4.0.1:2.2.4", "pci-dss-4.0.1:6.5.1"),
               description="Checks whether every resource is of a type the property map classifies (each of its "
                           "properties judged by a policy, forbidden, or irrelevant with a reason): a type the "
                           "pack has never reviewed passes every other policy unjudged. Component resources of "
                           "componentPackages are exempt (their children are resources the pack judges).",
               message="Review the type: classify each of its properties in "
                       "policies/elite_policies/property_map.yaml and give the relevant ones policies",
               settings={"componentPackages": Setting(["elite-locadora", "awsx"],
                                                      {"type": "array", "items": {"type": "string"}},
                                                      "packages whose types are components, not cloud resources")})
def types_reviewed(props: Mapping[str, Any], config: Mapping[str, Any], resource_type: str) -> str | None:
    if resource_type.split(":")[0] in config["componentPackages"]:
        return None
    return f"{resource_type} is not in the property map"


POLICIES = [provider_safe, acm_dns, s3_failover, oac_signs, endpoint_policy, vpn_routes, cache_final_snapshot,
            data_groups, data_subnets, oidc_provider, waf_fail_closed, rds_password, dangling, owner_enforced,
            replication_encrypted, firehose_delivery, waf_keeps, unreviewed, types_reviewed]
