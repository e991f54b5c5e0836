"""TLS 1.2 on every listener, viewer, origin and endpoint; buckets and databases refuse plain text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity

from . import _types as t
from ._framework import (
    UNKNOWN,
    Setting,
    as_list,
    depends_on,
    document,
    get,
    known,
    of_type,
    resource_rule,
    stack_rule,
    statements,
)

CLOUDFRONT_ORDER = ("SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019",
                    "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")


@resource_rule("alb-https-listener-tls12", family="transport", types=t.LISTENERS, control="ELB.17",
               severity=Severity.HIGH,
               description="Checks whether HTTPS/TLS listeners use an allowed TLS 1.2+ security policy.",
               message="Set ssl_policy to a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
               settings={"allowedPolicyPrefixes": Setting(
                   ["ELBSecurityPolicy-TLS13-1-2-", "ELBSecurityPolicy-TLS13-1-3-", "ELBSecurityPolicy-TLS-1-2-"],
                   {"type": "array", "items": {"type": "string"}}, "accepted ssl_policy prefixes")})
def alb_tls12(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "protocol") not in ("HTTPS", "TLS"):
        return None
    policy = str(get(props, "sslPolicy", default="(default)"))
    return None if policy.startswith(tuple(config["allowedPolicyPrefixes"])) else f"sslPolicy {policy}"


@resource_rule("alb-http-listener-redirects-to-https", family="transport", types=t.LISTENERS, control="ELB.1",
               severity=Severity.HIGH,
               description="Checks whether plain-HTTP listeners only redirect to HTTPS.",
               message="Give the HTTP listener one default action: redirect to HTTPS (port 443)")
def alb_http_redirect(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "protocol") != "HTTP":
        return None
    actions = as_list(get(props, "defaultActions"))
    if len(actions) != 1 or get(actions[0], "type") != "redirect":
        return "default action is not a redirect"
    if get(actions[0], "redirect", "protocol") != "HTTPS":
        return "redirect is not to HTTPS"
    return None


@resource_rule("cloudfront-viewer-tls12", family="transport", types=[t.DISTRIBUTION], control="CloudFront.15",
               description="Checks whether CloudFront's viewer TLS policy is TLSv1.2_2021 or newer.",
               message="Set viewer_certificate.minimum_protocol_version to TLSv1.2_2021 or newer (TLSv1.2_2025 "
                       "recommended)",
               settings={"minimumProtocolVersion": Setting("TLSv1.2_2021", {"type": "string",
                                                                            "enum": list(CLOUDFRONT_ORDER[4:])},
                                                           "oldest accepted viewer policy")})
def cloudfront_tls(props: Mapping[str, Any], config: Mapping[str, Any]):
    version = get(props, "viewerCertificate", "minimumProtocolVersion", default="TLSv1")
    floor = CLOUDFRONT_ORDER.index(config["minimumProtocolVersion"])
    if version not in CLOUDFRONT_ORDER or CLOUDFRONT_ORDER.index(version) < floor:
        return f"minimumProtocolVersion {version}"
    return None


@resource_rule("cloudfront-viewer-https-only", family="transport", types=[t.DISTRIBUTION], control="CloudFront.3",
               description="Checks whether every CloudFront behaviour refuses plain HTTP (no allow-all).",
               message="Set viewer_protocol_policy to 'redirect-to-https' or 'https-only' on every behaviour")
def cloudfront_https(props: Mapping[str, Any], config: Mapping[str, Any]):
    behaviours = [get(props, "defaultCacheBehavior", default={}), *as_list(get(props, "orderedCacheBehaviors"))]
    for behaviour in behaviours:
        if get(behaviour, "viewerProtocolPolicy") == "allow-all":
            yield f"{get(behaviour, 'pathPattern', default='default')} allows HTTP"


@resource_rule("cloudfront-custom-certificate", family="transport", types=[t.DISTRIBUTION],
               control=("CloudFront.7", "CloudFront.8"),
               description="Checks whether a distribution with aliases serves its own ACM certificate over SNI.",
               message="With aliases, set viewer_certificate.acm_certificate_arn (us-east-1) and "
                       "ssl_support_method='sni-only'; not cloudfront_default_certificate")
def cloudfront_certificate(props: Mapping[str, Any], config: Mapping[str, Any]):
    if not as_list(get(props, "aliases")):
        return
    certificate = get(props, "viewerCertificate", default={})
    if get(certificate, "cloudfrontDefaultCertificate") is True or not get(certificate, "acmCertificateArn"):
        yield "aliases served with the default certificate"
    if get(certificate, "sslSupportMethod") != "sni-only":
        yield f"sslSupportMethod {get(certificate, 'sslSupportMethod')}"


@resource_rule("cloudfront-origin-tls12", family="transport", types=[t.DISTRIBUTION],
               control=("CloudFront.9", "CloudFront.10"),
               description="Checks whether custom origins are reached over HTTPS only with TLSv1.2 only.",
               message="Set custom_origin_config.origin_protocol_policy='https-only' and "
                       "origin_ssl_protocols=['TLSv1.2']")
def cloudfront_origin_tls(props: Mapping[str, Any], config: Mapping[str, Any]):
    for origin in as_list(get(props, "origins")):
        custom = get(origin, "customOriginConfig")
        if not custom:
            continue
        name = get(origin, "originId")
        if get(custom, "originProtocolPolicy") != "https-only":
            yield f"{name}: originProtocolPolicy {get(custom, 'originProtocolPolicy')}"
        protocols = as_list(get(custom, "originSslProtocols"))
        if protocols != ["TLSv1.2"]:
            yield f"{name}: originSslProtocols {protocols}"


def _denies_plain_http(doc: Mapping[str, Any] | None) -> bool:
    for statement in statements(doc):
        if get(statement, "Effect") == "Deny" and get(statement, "Condition", "Bool", "aws:SecureTransport") in (
                "false", False):
            return True
    return False


@stack_rule("s3-bucket-tls-only", judges=t.BUCKETS, family="transport", refs=("cis-aws-3.0:2.1.1",), control="S3.5",
            description="Checks whether every S3 bucket's policy denies requests not made over TLS.",
            message="Add a bucket policy statement denying s3:* when aws:SecureTransport is false")
def s3_tls_only(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    policies = {b.urn: p for p in of_type(resources, t.BUCKET_POLICY) for b in depends_on(p, "bucket")}
    for bucket in of_type(resources, *t.BUCKETS):
        policy = policies.get(bucket.urn)
        if policy is None:
            yield bucket.urn, "no bucket policy"
            continue
        raw = known(policy.props, "policy", unknown=UNKNOWN)
        if raw is not UNKNOWN and not _denies_plain_http(document(raw)):
            yield bucket.urn, "the policy does not deny aws:SecureTransport=false"


@resource_rule("opensearch-https-tls12", family="transport", types=t.OPENSEARCH, control=("OpenSearch.8", "ES.8"),
               refs=("pci-dss-4.0.1:2.2.7",),
               description="Checks whether OpenSearch domains enforce HTTPS with a TLS 1.2 minimum policy.",
               message="Set domain_endpoint_options.enforce_https=True and tls_security_policy="
                       "'Policy-Min-TLS-1-2-PFS-2023-10'")
def opensearch_tls(props: Mapping[str, Any], config: Mapping[str, Any]):
    options = get(props, "domainEndpointOptions", default={})
    if get(options, "enforceHttps") is not True:
        yield "enforceHttps is not true"
    if not str(get(options, "tlsSecurityPolicy", default="")).startswith("Policy-Min-TLS-1-2"):
        yield f"tlsSecurityPolicy {get(options, 'tlsSecurityPolicy')}"


@resource_rule("rds-requires-secure-transport", family="transport", types=[t.RDS_PARAMETER_GROUP], control="RDS.39",
               refs=("pci-dss-4.0.1:2.2.7",),
               description="Checks whether MySQL parameter groups refuse unencrypted connections.",
               message="Add the parameter require_secure_transport=1 to the MySQL parameter group")
def rds_secure_transport(props: Mapping[str, Any], config: Mapping[str, Any]):
    if not str(get(props, "family", default="")).startswith("mysql"):
        return None
    values = {get(p, "name"): str(get(p, "value")) for p in as_list(get(props, "parameters"))}
    return None if values.get("require_secure_transport") in ("1", "ON", "on") else "require_secure_transport unset"


POLICIES = [alb_tls12, alb_http_redirect, cloudfront_tls, cloudfront_https, cloudfront_certificate,
            cloudfront_origin_tls, s3_tls_only, opensearch_tls, rds_secure_transport]
