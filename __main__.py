"""Elite Locadora on AWS: config -> keys -> network -> data -> certificates -> compute ->
observability -> edge (or, in a DR stack, the standby links) -> exports.

Each tier is one ComponentResource (components/); this file only wires them from the stack's
validated config. Nothing here branches on the stack name: environments differ by config. A DR
stack (`standbyFor`) is this same program in another region: its data tier replicates the
primary stack's, CloudFront stays the primary's, and StandbyLinks attaches it to the primary.
"""

import pulumi
import pulumi_aws as aws

from components.certificates import Certificates, CertificatesArgs
from components.compute import ComputeArgs, ComputeTier
from components.config import load_stack_config, log_class, require_account
from components.data import DataArgs, DataTier
from components.edge import EdgeArgs, EdgeTier, replica_assets_domain, replica_read_grant
from components.iam import PLATFORM_ROLE_PATH, RolePlacement, environment_role_path
from components.keys import EncryptionKeys, EncryptionKeysArgs, KeySpec
from components.network import NetworkArgs, NetworkTier
from components.observability import ObservabilityArgs, ObservabilityTier
from components.primary import primary_stack, standby_exports
from components.standby import StandbyLinks, StandbyLinksArgs
from components.tagging import stack_tags

settings = load_stack_config()
cfg = settings.config
tags = stack_tags(settings)
prefix = f"elite-locadora-{settings.stack}"

# With accountId set, every provider refuses credentials of another account: a staging
# credential can never touch the production account, nor the reverse.
allowed_accounts = [cfg.account_id] if cfg.account_id else None
primary = aws.Provider("primary", region=cfg.region, allowed_account_ids=allowed_accounts)
# CloudFront reads certificates and CLOUDFRONT-scope WAF ACLs only from us-east-1.
us_east_1 = aws.Provider("us-east-1", region="us-east-1", allowed_account_ids=allowed_accounts)
account_id = require_account(settings, aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=primary)).account_id)
roles = RolePlacement(path=environment_role_path(settings.environment, settings.stack), permissions_boundary=(
    f"arn:aws:iam::{account_id}:policy{PLATFORM_ROLE_PATH}{cfg.permissions_boundary_policy}"
    if cfg.permissions_boundary_policy else None))

LOGS = KeySpec("logs", "CloudWatch Logs: flow, service, database and cache logs", cloudwatch_logs=True)
DATABASE = KeySpec("database", "RDS storage and Performance Insights, ElastiCache at rest")
STORAGE = KeySpec("storage", "S3 buckets (assets and their replicas), ECR images (and their replicas)",
                  cloudfront_decrypt=True, macie_decrypt=cfg.macie_reads_documents)
SECRETS = KeySpec("secrets", "SSM SecureString parameters and generated credentials")
ALERTS = KeySpec("alerts", "SNS alarm topics (CloudWatch alarms and RDS events publish to them)",
                 service_principals=["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"])

keys = EncryptionKeys("keys", EncryptionKeysArgs(
    region=cfg.region, specs=[LOGS, DATABASE, STORAGE, SECRETS, ALERTS], tags=tags,
    protect=cfg.protect_stateful_resources, name_prefix=prefix),
    opts=pulumi.ResourceOptions(provider=primary))

network = NetworkTier("network", NetworkArgs(
    name_prefix=prefix, region=cfg.region, cidr=cfg.vpc_cidr, az_count=cfg.az_count,
    nat_strategy=cfg.nat_strategy, flow_log_retention_days=cfg.log_retention_days,
    flow_log_kms_key_arn=keys.arns["logs"], flow_log_traffic_type=cfg.flow_log_traffic_type,
    flow_log_class=log_class(cfg),
    interface_endpoints=cfg.interface_endpoints, interface_endpoint_zones=cfg.interface_endpoint_zones,
    vpn_gateway=cfg.vpn_gateway,
    vpn_amazon_side_asn=cfg.vpn_amazon_side_asn, tags=tags, roles=roles),
    opts=pulumi.ResourceOptions(provider=primary))

# A DR stack reads the stack it protects (its exports); a primary stack never reads its standby.
source = (primary_stack(cfg.standby_for, settings.primary_region, allowed_accounts)
          if cfg.standby_for and settings.primary_region else None)

data = DataTier("data", DataArgs(
    name_prefix=prefix, environment=settings.environment, account_id=account_id, config=cfg,
    supplied=settings.secrets, network=network.handle, key_arns=keys.arns, tags=tags, roles=roles, primary=source),
    opts=pulumi.ResourceOptions(provider=primary))
certificates = Certificates("certificates", CertificatesArgs(
    config=cfg, tags=tags, us_east_1=us_east_1, edge=source is None), opts=pulumi.ResourceOptions(provider=primary))

compute = ComputeTier("compute", ComputeArgs(
    name_prefix=prefix, environment=settings.environment, account_id=account_id, config=cfg,
    network=network.handle, data=data.handle, key_arns=keys.arns, certificates=certificates.handle,
    tags=tags, roles=roles, primary=source),
    opts=pulumi.ResourceOptions(provider=primary))

observability = ObservabilityTier("observability", ObservabilityArgs(
    name_prefix=prefix, account_id=account_id, config=cfg, key_arns=keys.arns, network=network.handle,
    data=data.handle, compute=compute.handle, tags=tags, roles=roles),
    opts=pulumi.ResourceOptions(provider=primary))

if source is None:
    # CloudFront's WAF logs must live in us-east-1, encrypted with a key there.
    edge_logs_key = keys.arns["logs"]
    if cfg.region != "us-east-1":
        edge_logs_key = EncryptionKeys("edge-keys", EncryptionKeysArgs(
            region="us-east-1", specs=[LOGS], tags=tags, protect=cfg.protect_stateful_resources,
            name_prefix=f"{prefix}-edge"), opts=pulumi.ResourceOptions(provider=us_east_1)).arns["logs"]
    edge = EdgeTier("edge", EdgeArgs(
        name_prefix=prefix, account_id=account_id, config=cfg, certificates=certificates.handle,
        compute=compute.handle, data=data.handle, us_east_1_logs_key_arn=edge_logs_key, us_east_1=us_east_1,
        tags=tags, origin_health_alarm_names=observability.origin_health_alarm_names,
        assets_failover_domain_name=replica_assets_domain(cfg.assets_failover_stack, settings.assets_failover_region,
                                                          account_id)),
        opts=pulumi.ResourceOptions(provider=primary))
    # The buckets' policies take statements from tiers built after them (README, "Bucket policies").
    data.handle.logs_bucket.attach_policy(compute.handle.alb_log_delivery, edge.log_delivery_grant)
    data.handle.assets.attach_policy(edge.assets_read_grant)
    pulumi.export("cdnDomainName", edge.distribution_domain_name)
    pulumi.export("cdnDistributionId", edge.distribution_id)
else:
    # CloudFront stays the primary's; this stack answers for the API origin name when the
    # primary's health check fails, and receives its assets and images.
    StandbyLinks("standby-links", StandbyLinksArgs(
        name_prefix=prefix, account_id=account_id, config=cfg, primary=source, data=data.handle,
        key_arns=keys.arns, compute=compute.handle, tags=tags, roles=roles),
        opts=pulumi.ResourceOptions(provider=primary))
    data.handle.logs_bucket.attach_policy(compute.handle.alb_log_delivery)
    data.handle.assets.attach_policy(replica_read_grant(data.handle.assets.arn, source.value("distributionArn")))

if cfg.origin_failover:
    standby_exports(
        region=cfg.region, database_arn=data.handle.database.arn, assets_bucket_name=data.handle.assets.name,
        assets_bucket_arn=data.handle.assets.arn, storage_key_arn=keys.arns["storage"],
        zone_id=certificates.handle.zone_id, repository_prefix=prefix,
        service_images={s.name: s.image for s in cfg.services},
        secrets={**data.standby_secrets, "originVerifyHeader": compute.handle.origin_verify_header},
        distribution_arn=edge.distribution_arn)

pulumi.export("vpcId", network.handle.vpc_id)
pulumi.export("availabilityZones", network.handle.availability_zones)
pulumi.export("privateSubnetIds", network.handle.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.handle.isolated_subnet_ids)
pulumi.export("databaseAddress", data.handle.database.address)
pulumi.export("redisAddress", data.handle.cache.address)
pulumi.export("assetsBucket", data.handle.assets.name)
pulumi.export("parameterArns", data.handle.parameter_arns)
pulumi.export("clusterName", compute.handle.cluster_name)
pulumi.export("serviceNames", {s.name: s.service_name for s in compute.handle.services})
pulumi.export("repositoryUrls", compute.handle.repository_urls)
pulumi.export("albDnsName", compute.handle.alb_dns_name)
pulumi.export("alarmTopicArn", observability.alarm_topic_arn)
pulumi.export("dashboardName", observability.dashboard_name)
if observability.dashboards_url is not None:
    pulumi.export("logDashboardsUrl", observability.dashboards_url)
