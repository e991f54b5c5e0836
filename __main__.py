"""Elite Locadora on AWS: config -> keys -> network (primary, DR) -> data -> exports.

Each tier is one ComponentResource (components/); this file only wires them from the stack's
validated config. Nothing here branches on the stack name: environments differ by config.
"""

import pulumi
import pulumi_aws as aws

from components.config import load_stack_config
from components.data import DataArgs, DataTier, DrSite
from components.keys import EncryptionKeys, EncryptionKeysArgs, KeySpec
from components.network import NetworkArgs, NetworkTier
from components.tagging import stack_tags

settings = load_stack_config()
cfg = settings.config
tags = stack_tags(settings)
prefix = f"elite-locadora-{settings.stack}"

primary = aws.Provider("primary", region=cfg.region)
dr = aws.Provider("dr", region=cfg.dr_region)
account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=primary)).account_id

LOGS = KeySpec("logs", "CloudWatch Logs: flow, service, database and cache logs", cloudwatch_logs=True)
DATABASE = KeySpec("database", "RDS storage and Performance Insights, ElastiCache at rest")
STORAGE = KeySpec("storage", "S3 buckets (assets and their replicas)")
SECRETS = KeySpec("secrets", "SSM SecureString parameters and generated credentials")

keys = EncryptionKeys("keys", EncryptionKeysArgs(
    region=cfg.region, specs=[LOGS, DATABASE, STORAGE, SECRETS], tags=tags,
    protect=cfg.protect_stateful_resources, name_prefix=prefix),
    opts=pulumi.ResourceOptions(provider=primary))

network = NetworkTier("network", NetworkArgs(
    name_prefix=prefix, region=cfg.region, cidr=cfg.vpc_cidr, az_count=cfg.az_count,
    nat_strategy=cfg.nat_strategy, flow_log_retention_days=cfg.log_retention_days,
    flow_log_kms_key_arn=keys.arns["logs"], flow_log_traffic_type=cfg.flow_log_traffic_type,
    interface_endpoints=cfg.interface_endpoints, vpn_gateway=cfg.vpn_gateway,
    vpn_amazon_side_asn=cfg.vpn_amazon_side_asn, tags=tags),
    opts=pulumi.ResourceOptions(provider=primary))

dr_site = None
if cfg.dr_network:
    # The DR region's own keys and a small network (isolated subnets for the cross-region
    # replica, no NAT): the same components, another provider.
    dr_keys = EncryptionKeys("dr-keys", EncryptionKeysArgs(
        region=cfg.dr_region, specs=[LOGS, DATABASE, STORAGE], tags=tags,
        protect=cfg.protect_stateful_resources, name_prefix=prefix),
        opts=pulumi.ResourceOptions(provider=dr))
    dr_network = NetworkTier("dr-network", NetworkArgs(
        name_prefix=f"{prefix}-dr", region=cfg.dr_region, cidr=cfg.dr_vpc_cidr,
        az_count=cfg.dr_az_count, nat_strategy="none",
        flow_log_retention_days=cfg.log_retention_days, flow_log_kms_key_arn=dr_keys.arns["logs"],
        flow_log_traffic_type=cfg.flow_log_traffic_type, tags=tags),
        opts=pulumi.ResourceOptions(provider=dr))
    dr_site = DrSite(provider=dr, region=cfg.dr_region, vpc_id=dr_network.vpc_id,
                     vpc_cidr=dr_network.vpc_cidr, isolated_subnet_ids=dr_network.isolated_subnet_ids,
                     database_key_arn=dr_keys.arns["database"], storage_key_arn=dr_keys.arns["storage"])

data = DataTier("data", DataArgs(
    name_prefix=prefix, environment=settings.stack, account_id=account_id, config=cfg,
    supplied=settings.secrets, vpc_id=network.vpc_id, isolated_subnet_ids=network.isolated_subnet_ids,
    app_security_group_id=network.app_security_group_id, key_arns=keys.arns, tags=tags, dr=dr_site),
    opts=pulumi.ResourceOptions(provider=primary))
# The buckets' policies take statements from tiers built after them (README, "Bucket policies").
data.logs_bucket.attach_policy()
data.assets.attach_policy()

pulumi.export("vpcId", network.vpc_id)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("databaseAddress", data.db_address)
pulumi.export("redisAddress", data.redis_address)
pulumi.export("assetsBucket", data.assets.name)
pulumi.export("parameterArns", data.parameter_arns)
