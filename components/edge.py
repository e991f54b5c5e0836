"""Edge tier: CloudFront in front of the ALB and the assets bucket, its WAF, logs and DNS.

Behaviours (the guide's, with its errors fixed — README, "Edge"):
  default             -> the ALB (web tier): CachingOptimized, viewer Host forwarded (AllViewer)
                         so the ALB routes it to the front end.
  /api/*              -> the ALB (API): CachingDisabled, AllViewerExceptHostHeader (the ALB
                         then sees its own API name), every method, HTTPS only.
  /static/*,          -> the assets bucket through Origin Access Control: CachingOptimized.
  /vehicles/images/*
Managed policies are looked up by name. The ALB origin is HTTPS-only on 443 with TLSv1.2 and
carries the secret origin header the ALB requires.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from .compute import ORIGIN_HEADER
from .iam import Statement
from .naming import physical_name
from .tagging import named
from .waf import protective_web_acl

if TYPE_CHECKING:
    from .certificates import CertificatesHandle
    from .compute import ComputeHandle
    from .config import StackConfig
    from .data import DataHandle

S3_PATHS = ("/static/*", "/vehicles/images/*")
API_PATH = "/api/*"
ALB_ORIGIN, S3_ORIGIN = "alb", "assets"
S3_REPLICA_ORIGIN, S3_ORIGIN_GROUP = "assets-replica", "assets-with-failover"
# Fail over to the replica on the primary bucket's server errors only: a missing object answers
# 403/404 from both, and a failover on those would also serve a replica lagging behind.
FAILOVER_STATUS_CODES = [500, 502, 503, 504]
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
CLOUDFRONT_LOG_PREFIX = "cloudfront"


@dataclass(frozen=True)
class EdgeArgs:
    name_prefix: str
    account_id: str
    # region (of the origins), siteNames, apiName, cloudfront* and waf* settings, logRetentionDays
    config: StackConfig
    certificates: CertificatesHandle  # the zone for the records, CloudFront's certificate
    compute: ComputeHandle  # the ALB (the API and web origin) and the header CloudFront sends it
    data: DataHandle  # the assets bucket (the S3 origin) and the logs bucket (CloudFront's logs)
    us_east_1_logs_key_arn: pulumi.Input[str]
    us_east_1: aws.Provider
    tags: Mapping[str, str]
    # originFailover: the API name becomes the PRIMARY failover record, healthy while these
    # alarms (in the stack's region) are OK; a DR stack adds the SECONDARY (components/standby.py).
    origin_health_alarm_names: Sequence[pulumi.Input[str]] = ()
    # assetsFailoverStack: the DR stack's replica bucket, read when the assets bucket fails.
    assets_failover_domain_name: str | None = None


def replica_assets_domain(standby_stack: str, region: str | None, account_id: str) -> str | None:
    """The regional name of `standby_stack`'s assets bucket (its replica of this stack's), named
    by the same rule its stack names it: no read of that stack, so dependencies stay one-way."""
    if not standby_stack or not region:
        return None
    bucket = physical_name("s3-bucket", f"elite-locadora-{standby_stack}", "assets", account_id)
    return f"{bucket}.s3.{region}.amazonaws.com"


def replica_read_grant(replica_bucket_arn: pulumi.Input[str], distribution_arn: pulumi.Input[str]) -> Statement:
    """For a DR stack's assets bucket: the primary's distribution reads the public prefixes of the
    replica when the primary's bucket fails (the origin group above)."""
    return Statement(
        sid="PrimaryCloudFrontReadsReplica", actions=["s3:GetObject"],
        resources=[pulumi.Output.format("{0}{1}", replica_bucket_arn, path) for path in S3_PATHS],
        principals={"Service": ["cloudfront.amazonaws.com"]},
        conditions={"StringEquals": {"AWS:SourceArn": distribution_arn}})


class EdgeTier(pulumi.ComponentResource):
    distribution_id: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    distribution_domain_name: pulumi.Output[str]
    web_acl_arn: pulumi.Output[str]
    assets_read_grant: Statement  # for the assets bucket's policy
    log_delivery_grant: Statement  # for the logs bucket's policy

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:edge:EdgeTier", name, None, opts)
        if args.certificates.cloudfront_certificate_arn is None:
            raise ValueError("the edge tier needs CloudFront's certificate: Certificates(edge=True)")
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._global = pulumi.ResourceOptions(parent=self, provider=args.us_east_1)

        acl = protective_web_acl(
            f"{name}-waf", scope="CLOUDFRONT", acl_name=physical_name("waf-web-acl", args.name_prefix, "cloudfront"),
            rate_limit=args.config.waf_rate_limit, managed_groups=args.config.waf_managed_rule_groups,
            log_retention_days=args.config.log_retention_days,
            log_kms_key_arn=args.us_east_1_logs_key_arn, tags=args.tags, opts=self._global)
        self.web_acl_arn = acl.acl.arn
        self._api_origin_record()
        distribution = self._distribution()
        self.distribution_id, self.distribution_arn = distribution.id, distribution.arn
        self.distribution_domain_name = distribution.domain_name
        self.assets_read_grant = Statement(
            sid="CloudFrontReadsPublicPrefixes", actions=["s3:GetObject"],
            resources=[pulumi.Output.format("{0}{1}", args.data.assets.arn, path) for path in S3_PATHS],
            principals={"Service": ["cloudfront.amazonaws.com"]},
            conditions={"StringEquals": {"AWS:SourceArn": distribution.arn}})
        self.log_delivery_grant = self._access_logs(distribution)
        self._site_records(distribution)
        self.register_outputs({"distribution_id": self.distribution_id,
                               "distribution_domain_name": self.distribution_domain_name})

    def _managed(self, lookup: Callable[..., Any], name: str) -> str:
        """An AWS-managed CloudFront policy's id, by name (ids typed by hand go wrong: the guide's
        "CachingOptimized" id is CachingDisabled's)."""
        return str(lookup(name=name, opts=pulumi.InvokeOptions(parent=self)).id)

    def _api_origin_record(self) -> None:
        args, api_name, alb = self._args, self._args.config.api_name, self._args.compute
        failover: dict[str, Any] = {}
        if args.origin_health_alarm_names:
            failover = dict(set_identifier=f"primary-{args.config.region}", health_check_id=self._origin_health_check(),
                            failover_routing_policies=[aws.route53.RecordFailoverRoutingPolicyArgs(type="PRIMARY")])
        aws.route53.Record(f"{self._name}-{api_name}-a", zone_id=args.certificates.zone_id, name=api_name,
                           type="A", aliases=[aws.route53.RecordAliasArgs(
                               name=alb.alb_dns_name, zone_id=alb.alb_zone_id, evaluate_target_health=True)],
                           **failover,
                           # A simple and a failover record cannot share a name: turning failover on
                           # deletes the simple record first (seconds without the API name).
                           opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(
                               delete_before_replace=True)))

    def _origin_health_check(self) -> pulumi.Output[str]:
        """Healthy while every public service's no-healthy-hosts alarm is OK. The ALB admits only
        CloudFront, so Route 53's own checkers could not reach it: the checks read CloudWatch."""
        args = self._args
        children = [aws.route53.HealthCheck(
            f"{self._name}-origin-health-{index}", type="CLOUDWATCH_METRIC", cloudwatch_alarm_name=alarm,
            cloudwatch_alarm_region=args.config.region, insufficient_data_health_status="Unhealthy",
            tags=named(args.tags, f"{args.name_prefix}-origin-health-{index}"), opts=self._child)
            for index, alarm in enumerate(args.origin_health_alarm_names)]
        origin = aws.route53.HealthCheck(
            f"{self._name}-origin-health", type="CALCULATED", child_healthchecks=[c.id for c in children],
            child_health_threshold=len(children), tags=named(args.tags, f"{args.name_prefix}-origin-health"),
            opts=self._child)
        return origin.id

    def _distribution(self) -> aws.cloudfront.Distribution:
        args = self._args
        caching_optimized = self._managed(aws.cloudfront.get_cache_policy, "Managed-CachingOptimized")
        caching_disabled = self._managed(aws.cloudfront.get_cache_policy, "Managed-CachingDisabled")
        all_viewer = self._managed(aws.cloudfront.get_origin_request_policy, "Managed-AllViewer")
        all_viewer_but_host = self._managed(aws.cloudfront.get_origin_request_policy,
                                            "Managed-AllViewerExceptHostHeader")
        security_headers = self._managed(aws.cloudfront.get_response_headers_policy,
                                         "Managed-SecurityHeadersPolicy")
        oac = aws.cloudfront.OriginAccessControl(
            f"{self._name}-assets-oac", name=physical_name("cloudfront-oac", args.name_prefix, "assets"),
            description="CloudFront reads the assets bucket (no public bucket)",
            origin_access_control_origin_type="s3", signing_behavior="always", signing_protocol="sigv4",
            opts=self._child)
        origins = [
            aws.cloudfront.DistributionOriginArgs(
                origin_id=ALB_ORIGIN, domain_name=args.config.api_name,
                custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                    http_port=80, https_port=443, origin_protocol_policy="https-only",
                    origin_ssl_protocols=["TLSv1.2"], origin_read_timeout=30, origin_keepalive_timeout=5),
                custom_headers=[aws.cloudfront.DistributionOriginCustomHeaderArgs(
                    name=ORIGIN_HEADER, value=args.compute.origin_verify_header)]),
            aws.cloudfront.DistributionOriginArgs(
                origin_id=S3_ORIGIN, domain_name=args.data.assets.regional_domain_name,
                origin_access_control_id=oac.id),
        ]
        groups, static_origin = [], S3_ORIGIN
        if args.assets_failover_domain_name:
            # The DR stack's replica, signed by the same OAC; its bucket policy admits this
            # distribution (components/standby.py), its key every distribution of the account.
            origins.append(aws.cloudfront.DistributionOriginArgs(
                origin_id=S3_REPLICA_ORIGIN, domain_name=args.assets_failover_domain_name,
                origin_access_control_id=oac.id))
            groups.append(aws.cloudfront.DistributionOriginGroupArgs(
                origin_id=S3_ORIGIN_GROUP,
                failover_criteria=aws.cloudfront.DistributionOriginGroupFailoverCriteriaArgs(
                    status_codes=FAILOVER_STATUS_CODES),
                members=[aws.cloudfront.DistributionOriginGroupMemberArgs(origin_id=S3_ORIGIN),
                         aws.cloudfront.DistributionOriginGroupMemberArgs(origin_id=S3_REPLICA_ORIGIN)]))
            static_origin = S3_ORIGIN_GROUP
        static = [aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
            path_pattern=path, target_origin_id=static_origin, viewer_protocol_policy="redirect-to-https",
            allowed_methods=["GET", "HEAD", "OPTIONS"], cached_methods=["GET", "HEAD"], compress=True,
            cache_policy_id=caching_optimized, response_headers_policy_id=security_headers)
            for path in S3_PATHS]
        api = aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
            path_pattern=API_PATH, target_origin_id=ALB_ORIGIN, viewer_protocol_policy="https-only",
            allowed_methods=ALL_METHODS, cached_methods=["GET", "HEAD"], compress=True,
            cache_policy_id=caching_disabled, origin_request_policy_id=all_viewer_but_host,
            response_headers_policy_id=security_headers)
        return aws.cloudfront.Distribution(
            f"{self._name}-distribution", enabled=True, is_ipv6_enabled=True, http_version="http2and3",
            comment=f"Elite Locadora {args.name_prefix}", aliases=list(args.config.site_names),
            price_class=args.config.cloudfront_price_class, web_acl_id=self.web_acl_arn, origins=origins,
            origin_groups=groups,
            # "/" goes to the web tier, which serves index.html for it anyway (FSBP CloudFront.1).
            default_root_object="index.html",
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=ALB_ORIGIN, viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"], cached_methods=["GET", "HEAD"], compress=True,
                cache_policy_id=caching_optimized, origin_request_policy_id=all_viewer,
                response_headers_policy_id=security_headers),
            ordered_cache_behaviors=[api, *static],
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=args.certificates.cloudfront_certificate_arn, ssl_support_method="sni-only",
                minimum_protocol_version=args.config.cloudfront_minimum_protocol),
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")),
            tags=named(args.tags, f"{args.name_prefix}-cdn"), opts=self._child)

    def _access_logs(self, distribution: aws.cloudfront.Distribution) -> Statement:
        """CloudFront standard logging (v2) to the logs bucket; the bucket needs no ACLs for it."""
        args = self._args
        source = aws.cloudwatch.LogDeliverySource(
            f"{self._name}-access-log-source", name=physical_name("log-delivery", args.name_prefix, "cloudfront"),
            log_type="ACCESS_LOGS", resource_arn=distribution.arn,
            tags=named(args.tags, f"{args.name_prefix}-cloudfront-logs"), opts=self._global)
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{self._name}-access-log-destination",
            name=physical_name("log-delivery", args.name_prefix, "cloudfront-s3"),
            output_format="parquet",
            delivery_destination_configuration=aws.cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs(
                destination_resource_arn=pulumi.Output.format("{0}/{1}", args.data.logs_bucket.arn,
                                                              CLOUDFRONT_LOG_PREFIX)),
            tags=named(args.tags, f"{args.name_prefix}-cloudfront-logs"), opts=self._global)
        aws.cloudwatch.LogDelivery(f"{self._name}-access-logs", delivery_source_name=source.name,
                                   delivery_destination_arn=destination.arn,
                                   tags=named(args.tags, f"{args.name_prefix}-cloudfront-logs"), opts=self._global)
        return Statement(
            sid="CloudFrontAccessLogDelivery", actions=["s3:PutObject"],
            resources=[pulumi.Output.format("{0}/{1}/*", args.data.logs_bucket.arn, CLOUDFRONT_LOG_PREFIX)],
            principals={"Service": ["delivery.logs.amazonaws.com"]},
            conditions={"StringEquals": {"aws:SourceAccount": args.account_id}})

    def _site_records(self, distribution: aws.cloudfront.Distribution) -> None:
        for site in self._args.config.site_names:
            for record_type in ("A", "AAAA"):
                aws.route53.Record(
                    f"{self._name}-{site}-{record_type.lower()}", zone_id=self._args.certificates.zone_id, name=site,
                    type=record_type, aliases=[aws.route53.RecordAliasArgs(
                        name=distribution.domain_name, zone_id=distribution.hosted_zone_id,
                        evaluate_target_health=False)],
                    opts=self._child)
