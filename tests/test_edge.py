"""Edge tier: certificates, CloudFront behaviours and origins, WAF in both scopes, logs, DNS."""

from __future__ import annotations

import json

import pytest

from preflight.engine.mocks import MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES
from preflight.engine.runner import StackRun, load_cli_config

from .conftest import setting, stack_run

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
CACHING_OPTIMIZED = MANAGED_CACHE_POLICIES["Managed-CachingOptimized"]
CACHING_DISABLED = MANAGED_CACHE_POLICIES["Managed-CachingDisabled"]


@pytest.fixture
def run(serving_stack: StackRun) -> StackRun:
    """Each stack with its own CloudFront edge (a DR stack serves through its primary's)."""
    return serving_stack


def _names(run: StackRun) -> tuple[list[str], str]:
    values = load_cli_config(run.stack)[0]
    return json.loads(values["elite-locadora:siteNames"]), values["elite-locadora:apiName"]


def _distribution(run: StackRun) -> dict:
    return run.one(DISTRIBUTION).inputs


def test_cloudfront_certificate_is_in_us_east_1_and_validated_per_name(run: StackRun) -> None:
    sites, api = _names(run)
    certificate = run.one("aws:acm/certificate:Certificate", "certificates-cloudfront")
    assert certificate.provider.split("::")[-2] == "us-east-1", "CloudFront reads certificates only in us-east-1"
    assert [certificate.inputs["domainName"], *certificate.inputs.get("subjectAlternativeNames", [])] == sites
    assert certificate.inputs["validationMethod"] == "DNS"
    alb_cert = run.one("aws:acm/certificate:Certificate", "certificates-alb")
    assert alb_cert.provider.split("::")[-2] == "primary"
    assert alb_cert.inputs["domainName"] == api
    records = {r.inputs["name"] for r in run.of_type("aws:route53/record:Record")
               if r.name.startswith("certificates-validation-")}
    options = certificate.outputs["domainValidationOptions"] + alb_cert.outputs["domainValidationOptions"]
    assert records == {o["resourceRecordName"] for o in options}, "one record per name, no duplicates"
    validation = run.one("aws:acm/certificateValidation:CertificateValidation",
                               "certificates-cloudfront-validation")
    assert validation.inputs["certificateArn"] == certificate.outputs["arn"]
    assert _distribution(run)["viewerCertificate"]["acmCertificateArn"] == validation.outputs["certificateArn"]


def test_viewer_side(run: StackRun) -> None:
    d = _distribution(run)
    sites, _ = _names(run)
    assert d["aliases"] == sites
    cert = d["viewerCertificate"]
    assert cert["sslSupportMethod"] == "sni-only" and cert["minimumProtocolVersion"] == "TLSv1.2_2025"
    assert "cloudfrontDefaultCertificate" not in cert or cert["cloudfrontDefaultCertificate"] is False
    assert d["httpVersion"] == "http2and3" and d["isIpv6Enabled"] is True
    behaviours = [d["defaultCacheBehavior"], *d["orderedCacheBehaviors"]]
    assert all(b["viewerProtocolPolicy"] in ("redirect-to-https", "https-only") for b in behaviours)
    assert d["priceClass"] == ("PriceClass_All" if run.stack == "production" else "PriceClass_100")


def test_cache_policy_per_behaviour(run: StackRun) -> None:
    d = _distribution(run)
    by_path = {b["pathPattern"]: b for b in d["orderedCacheBehaviors"]}
    api = by_path["/api/*"]
    assert api["cachePolicyId"] == CACHING_DISABLED, "the API is never cached"
    assert api["originRequestPolicyId"] == MANAGED_ORIGIN_REQUEST_POLICIES["Managed-AllViewerExceptHostHeader"]
    assert set(api["allowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
    assert api["viewerProtocolPolicy"] == "https-only" and api["targetOriginId"] == "alb"
    # With a standby (assetsFailoverStack) the S3 paths read through an origin group.
    s3_target = "assets-with-failover" if setting(run.stack, "assetsFailoverStack") else "assets"
    for path in ("/static/*", "/vehicles/images/*"):
        assert by_path[path]["cachePolicyId"] == CACHING_OPTIMIZED, f"{path} must be cached"
        assert by_path[path]["targetOriginId"] == s3_target
    default = d["defaultCacheBehavior"]
    assert default["targetOriginId"] == "alb" and default["cachePolicyId"] == CACHING_OPTIMIZED
    assert all(b.get("responseHeadersPolicyId") for b in [default, *by_path.values()]), "security headers"


def test_assets_fail_over_to_the_standby_replica_on_server_errors_only(production: StackRun) -> None:
    d = _distribution(production)
    (group,) = d["originGroups"]
    assert [m["originId"] for m in group["members"]] == ["assets", "assets-replica"]
    assert group["failoverCriteria"]["statusCodes"] == [500.0, 502.0, 503.0, 504.0]
    origins = {o["originId"]: o for o in d["origins"]}
    replica = origins["assets-replica"]
    # The DR stack's bucket, named by the same rule the DR stack names it, in its region.
    dr_bucket = next(r for r in stack_run("production-dr").of_type("aws:s3/bucket:Bucket") if r.name == "assets")
    assert replica["domainName"] == f"{dr_bucket.inputs['bucket']}.s3.us-west-2.amazonaws.com"
    assert replica["originAccessControlId"] == origins["assets"]["originAccessControlId"]


def test_the_replica_admits_only_the_primary_distribution(production: StackRun) -> None:
    dr = stack_run("production-dr")
    policy = json.loads(next(r for r in dr.of_type("aws:s3/bucketPolicy:BucketPolicy")
                             if r.name == "assets-policy").inputs["policy"])
    (grant,) = [s for s in policy["Statement"] if s.get("Sid") == "PrimaryCloudFrontReadsReplica"]
    distribution = production.one("aws:cloudfront/distribution:Distribution")
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grant["Condition"]["StringEquals"]["AWS:SourceArn"] == distribution.outputs["arn"]
    assert all(r.endswith(("/static/*", "/vehicles/images/*")) for r in grant["Resource"])


def test_origins(run: StackRun) -> None:
    origins = {o["originId"]: o for o in _distribution(run)["origins"]}
    _, api = _names(run)
    alb = origins["alb"]
    assert alb["domainName"] == api
    custom = alb["customOriginConfig"]
    assert custom["originProtocolPolicy"] == "https-only" and custom["httpsPort"] == 443
    assert custom["originSslProtocols"] == ["TLSv1.2"]
    assert alb["customHeaders"][0]["name"] == "X-Origin-Verify"
    s3 = origins["assets"]
    oac = run.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert s3["originAccessControlId"] == oac.id and oac.inputs["signingBehavior"] == "always"
    assert "s3OriginConfig" not in s3, "no legacy origin access identity"
    assert s3["domainName"] == run.one("aws:s3/bucket:Bucket", "assets").outputs["bucketRegionalDomainName"]


def test_assets_grant_is_scoped_to_this_distribution_and_nothing_is_public(run: StackRun) -> None:
    policy = json.loads(run.one("aws:s3/bucketPolicy:BucketPolicy", "assets-policy").inputs["policy"])
    grant = next(s for s in policy["Statement"] if s.get("Sid") == "CloudFrontReadsPublicPrefixes")
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grant["Condition"] == {"StringEquals": {"AWS:SourceArn": run.one(DISTRIBUTION).outputs["arn"]}}
    bucket = run.one("aws:s3/bucket:Bucket", "assets").outputs["arn"]
    assert set(grant["Resource"]) == {f"{bucket}/static/*", f"{bucket}/vehicles/images/*"}
    assert not [s for s in policy["Statement"] if s["Effect"] == "Allow" and s.get("Principal") == "*"]
    key_policy = json.loads(run.one("aws:kms/key:Key", "keys-storage").inputs["policy"])
    decrypt = next(s for s in key_policy["Statement"] if s["Principal"] == {"Service": "cloudfront.amazonaws.com"})
    assert decrypt["Action"] == "kms:Decrypt"


@pytest.mark.parametrize("acl_name", ["edge-waf", "compute-waf"])
def test_waf_rules_in_both_scopes(run: StackRun, acl_name: str) -> None:
    acl = run.one("aws:wafv2/webAcl:WebAcl", acl_name)
    assert acl.inputs["scope"] == ("CLOUDFRONT" if acl_name == "edge-waf" else "REGIONAL")
    if acl_name == "edge-waf":
        assert acl.provider.split("::")[-2] == "us-east-1"
    rules = {r["name"]: r for r in acl.inputs["rules"]}
    assert rules["AWSManagedRulesCommonRuleSet"]["priority"] == 1
    rate = rules["RateLimitRule"]
    assert rate["priority"] == 2 and "block" in rate["action"]
    assert rate["statement"]["rateBasedStatement"] == {"limit": 2000, "aggregateKeyType": "IP",
                                                       "evaluationWindowSec": 300}
    groups = json.loads(load_cli_config(run.stack)[0]["elite-locadora:wafManagedRuleGroups"])
    assert "AWSManagedRulesAnonymousIpList" in groups
    assert [rules[g]["priority"] for g in groups] == list(range(3, 3 + len(groups)))
    for rule in rules.values():
        assert rule["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
    logging = [c for c in run.of_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
               if c.inputs["resourceArn"] == acl.outputs["arn"]]
    assert len(logging) == 1
    group = next(g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")
                 if g.outputs["arn"] == logging[0].inputs["logDestinationConfigs"][0])
    assert group.inputs["name"].startswith("aws-waf-logs-")


def test_distribution_has_the_cloudfront_acl(run: StackRun) -> None:
    acl = run.one("aws:wafv2/webAcl:WebAcl", "edge-waf").outputs["arn"]
    assert _distribution(run)["webAclId"] == acl and ":global/webacl/" in acl


def test_access_logging(run: StackRun) -> None:
    source = run.one("aws:cloudwatch/logDeliverySource:LogDeliverySource").inputs
    assert source["logType"] == "ACCESS_LOGS" and source["resourceArn"] == run.one(DISTRIBUTION).outputs["arn"]
    destination = run.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination").inputs
    logs = run.one("aws:s3/bucket:Bucket", "logs").outputs["arn"]
    assert destination["deliveryDestinationConfiguration"]["destinationResourceArn"] == f"{logs}/cloudfront"
    policy = json.loads(run.one("aws:s3/bucketPolicy:BucketPolicy", "logs-policy").inputs["policy"])
    assert any(s.get("Sid") == "CloudFrontAccessLogDelivery" for s in policy["Statement"])


def test_dns_records(run: StackRun) -> None:
    sites, api = _names(run)
    distribution = run.one(DISTRIBUTION).outputs
    aliases = [r.inputs for r in run.of_type("aws:route53/record:Record") if "aliases" in r.inputs]
    for site in sites:
        for record_type in ("A", "AAAA"):
            match = [r for r in aliases if r["name"] == site and r["type"] == record_type]
            assert len(match) == 1, f"{site} {record_type}"
            assert match[0]["aliases"][0]["name"] == distribution["domainName"]
            assert match[0]["aliases"][0]["zoneId"] == "Z2FDTNDATAQYW2"
    api_record = next(r for r in aliases if r["name"] == api)
    assert api_record["aliases"][0]["name"] == run.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"]
