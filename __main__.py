"""Elite Locadora on AWS: config -> keys -> network (primary and DR) -> exports.

Each tier is one ComponentResource (components/); this file only wires them from the stack's
validated config. Nothing here branches on the stack name: environments differ by config.
"""

import pulumi
import pulumi_aws as aws

from components.config import load_stack_config
from components.keys import EncryptionKeys, EncryptionKeysArgs, KeySpec
from components.network import NetworkArgs, NetworkTier
from components.tagging import stack_tags

settings = load_stack_config()
cfg = settings.config
tags = stack_tags(settings)
prefix = f"elite-locadora-{settings.stack}"

primary = aws.Provider("primary", region=cfg.region)
dr = aws.Provider("dr", region=cfg.dr_region)

LOG_KEY = KeySpec("logs", "CloudWatch Logs: flow logs, service and audit logs", cloudwatch_logs=True)

keys = EncryptionKeys("keys", EncryptionKeysArgs(
    region=cfg.region, specs=[LOG_KEY], tags=tags, protect=cfg.protect_stateful_resources,
    name_prefix=prefix), opts=pulumi.ResourceOptions(provider=primary))

network = NetworkTier("network", NetworkArgs(
    name_prefix=prefix, region=cfg.region, cidr=cfg.vpc_cidr, az_count=cfg.az_count,
    nat_strategy=cfg.nat_strategy, flow_log_retention_days=cfg.log_retention_days,
    flow_log_kms_key_arn=keys.arns["logs"], flow_log_traffic_type=cfg.flow_log_traffic_type,
    interface_endpoints=cfg.interface_endpoints, vpn_gateway=cfg.vpn_gateway,
    vpn_amazon_side_asn=cfg.vpn_amazon_side_asn, tags=tags),
    opts=pulumi.ResourceOptions(provider=primary))

dr_network = None
if cfg.dr_network:
    # The DR region's own keys and a small network (isolated subnets for the cross-region
    # replica, no NAT): the same components, another provider.
    dr_keys = EncryptionKeys("dr-keys", EncryptionKeysArgs(
        region=cfg.dr_region, specs=[LOG_KEY], tags=tags,
        protect=cfg.protect_stateful_resources, name_prefix=prefix),
        opts=pulumi.ResourceOptions(provider=dr))
    dr_network = NetworkTier("dr-network", NetworkArgs(
        name_prefix=f"{prefix}-dr", region=cfg.dr_region, cidr=cfg.dr_vpc_cidr,
        az_count=cfg.dr_az_count, nat_strategy="none",
        flow_log_retention_days=cfg.log_retention_days, flow_log_kms_key_arn=dr_keys.arns["logs"],
        flow_log_traffic_type=cfg.flow_log_traffic_type, tags=tags),
        opts=pulumi.ResourceOptions(provider=dr))

pulumi.export("vpcId", network.vpc_id)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
if dr_network is not None:
    pulumi.export("drVpcId", dr_network.vpc_id)
