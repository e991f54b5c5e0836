"""Network tier: the VPC over N AZs with public, private (app) and isolated (data) subnets.

Built from plain pulumi_aws resources rather than awsx.ec2.Vpc (README, "Choices"): every
subnet, route table and NAT gateway is then a resource the policy pack and the tests can see,
offline as in a real preview, and the route tables the S3 gateway endpoint and the VPN route
propagation need are ordinary ids instead of an awsx component's opaque outputs.

Layout of the /16 (the guide's numbering): private 10.x.1-6.0/24, public 10.x.101-106.0/24,
isolated 10.x.201-206.0/24, one of each per AZ.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from .iam import RolePlacement, Statement, policy_document, service_trust, workload_role
from .tagging import named

NatStrategy = Literal["one-per-az", "single", "none"]
SUBNET_OFFSETS = {"private": 1, "public": 101, "isolated": 201}


def subnet_cidrs(vpc_cidr: str, tier: str, az_count: int) -> list[str]:
    """The /24s of one tier, one per AZ, at the tier's offset inside the /16."""
    base = ipaddress.IPv4Network(vpc_cidr)
    subnets = list(base.subnets(new_prefix=24))
    return [str(subnets[SUBNET_OFFSETS[tier] + i]) for i in range(az_count)]


@dataclass(frozen=True)
class NetworkArgs:
    name_prefix: str
    region: str
    cidr: str
    az_count: int
    nat_strategy: NatStrategy
    flow_log_retention_days: int
    flow_log_kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]
    roles: RolePlacement
    flow_log_traffic_type: str = "ALL"
    flow_log_class: str = "STANDARD"  # or INFREQUENT_ACCESS: nothing subscribes to flow logs
    interface_endpoints: Sequence[str] = ()
    # Zones with an endpoint network interface (0: every zone). Private DNS resolves to all of them,
    # so tasks in other zones reach one across zones, and either of two zones may fail.
    interface_endpoint_zones: int = 0
    vpn_gateway: bool = False
    vpn_amazon_side_asn: int = 64512


@dataclass(frozen=True)
class NetworkHandle:
    """What the other tiers may use of the network."""

    vpc_id: pulumi.Output[str]
    availability_zones: list[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    isolated_subnet_ids: pulumi.Output[list[str]]
    app_security_group_id: pulumi.Output[str]


class NetworkTier(pulumi.ComponentResource):
    handle: NetworkHandle

    def __init__(self, name: str, args: NetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:network:NetworkTier", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones(state="available",
                                           opts=pulumi.InvokeOptions(parent=self)).names
        if len(zones) < args.az_count:
            raise pulumi.RunError(f"{args.region} offers {len(zones)} available AZs; "
                                  f"azCount is {args.az_count}")
        self._availability_zones = list(zones[: args.az_count])

        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=args.cidr, enable_dns_support=True,
                          enable_dns_hostnames=True,
                          tags=self._tags(f"{args.name_prefix}-vpc"), opts=self._child)
        self._vpc_id = vpc.id
        self._strip_default_security_group(vpc)

        public = self._subnets(vpc, "public")
        private = self._subnets(vpc, "private")
        isolated = self._subnets(vpc, "isolated")
        self._public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self._private_subnet_ids = pulumi.Output.all(*[s.id for s in private])
        self._isolated_subnet_ids = pulumi.Output.all(*[s.id for s in isolated])

        nat_gateway_ids = self._public_routing(vpc, public)
        private_tables = self._private_routing(vpc, private, nat_gateway_ids)
        isolated_table = self._isolated_routing(vpc, isolated)
        if args.vpn_gateway:
            self._vpn_gateway(vpc, private_tables)
        self._flow_logs(vpc)
        self._endpoints(
            vpc, private, [t.id for t in private_tables] + [isolated_table.id])
        self._isolated_cidrs = subnet_cidrs(args.cidr, "isolated", args.az_count)
        self._app_security_group_id = self._application_group(vpc)
        self.handle = NetworkHandle(self._vpc_id, self._availability_zones, self._public_subnet_ids,
                                    self._private_subnet_ids, self._isolated_subnet_ids, self._app_security_group_id)

        self.register_outputs({
            "vpc_id": self._vpc_id,
            "availability_zones": self._availability_zones,
            "public_subnet_ids": self._public_subnet_ids,
            "private_subnet_ids": self._private_subnet_ids,
            "isolated_subnet_ids": self._isolated_subnet_ids,
        })

    def _tags(self, name: str, **extra: str) -> dict[str, str]:
        return named(self._args.tags, name, **extra)

    def _strip_default_security_group(self, vpc: aws.ec2.Vpc) -> None:
        # Adopting the default group with no rules removes AWS's allow-all-within-group rules,
        # so nothing can fall back on it (FSBP EC2.2).
        aws.ec2.DefaultSecurityGroup(f"{self._name}-default-sg", vpc_id=vpc.id, ingress=[],
                                     egress=[], tags=self._tags(f"{self._args.name_prefix}-default-unused"),
                                     opts=self._child)

    def _subnets(self, vpc: aws.ec2.Vpc, tier: str) -> list[aws.ec2.Subnet]:
        cidrs = subnet_cidrs(self._args.cidr, tier, self._args.az_count)
        return [
            aws.ec2.Subnet(
                f"{self._name}-{tier}-{az[-1]}", vpc_id=vpc.id, cidr_block=cidr,
                availability_zone=az, map_public_ip_on_launch=False,
                tags=self._tags(f"{self._args.name_prefix}-{tier}-{az}", Tier=tier),
                opts=self._child)
            for az, cidr in zip(self._availability_zones, cidrs, strict=True)
        ]

    def _associate(self, table: aws.ec2.RouteTable, tier: str,
                   subnets: Sequence[aws.ec2.Subnet], zones: Sequence[str]) -> None:
        for subnet, az in zip(subnets, zones, strict=True):
            aws.ec2.RouteTableAssociation(f"{self._name}-{tier}-{az[-1]}-rta",
                                          route_table_id=table.id, subnet_id=subnet.id,
                                          opts=self._child)

    def _public_routing(self, vpc: aws.ec2.Vpc,
                        public: Sequence[aws.ec2.Subnet]) -> list[pulumi.Output[str]]:
        prefix = self._args.name_prefix
        igw = aws.ec2.InternetGateway(f"{self._name}-igw", vpc_id=vpc.id,
                                      tags=self._tags(f"{prefix}-igw"), opts=self._child)
        table = aws.ec2.RouteTable(f"{self._name}-public-rt", vpc_id=vpc.id,
                                   tags=self._tags(f"{prefix}-public"), opts=self._child)
        aws.ec2.Route(f"{self._name}-public-default", route_table_id=table.id,
                      destination_cidr_block="0.0.0.0/0", gateway_id=igw.id, opts=self._child)
        self._associate(table, "public", public, self._availability_zones)
        nat_count = {"one-per-az": len(public), "single": 1, "none": 0}[self._args.nat_strategy]
        nat_ids = []
        for subnet, az in list(zip(public, self._availability_zones, strict=True))[:nat_count]:
            eip = aws.ec2.Eip(f"{self._name}-nat-eip-{az[-1]}", domain="vpc",
                              tags=self._tags(f"{prefix}-nat-{az}"), opts=self._child)
            nat = aws.ec2.NatGateway(
                f"{self._name}-nat-{az[-1]}", allocation_id=eip.allocation_id,
                subnet_id=subnet.id, connectivity_type="public",
                tags=self._tags(f"{prefix}-nat-{az}"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]))
            nat_ids.append(nat.id)
        return nat_ids

    def _private_routing(self, vpc: aws.ec2.Vpc, private: Sequence[aws.ec2.Subnet],
                         nat_gateway_ids: Sequence[pulumi.Output[str]]) -> list[aws.ec2.RouteTable]:
        tables = []
        for index, (subnet, az) in enumerate(zip(private, self._availability_zones, strict=True)):
            table = aws.ec2.RouteTable(f"{self._name}-private-rt-{az[-1]}", vpc_id=vpc.id,
                                       tags=self._tags(f"{self._args.name_prefix}-private-{az}"),
                                       opts=self._child)
            if nat_gateway_ids:
                # One NAT per AZ keeps an AZ's egress alive when another AZ fails; with a
                # single NAT every AZ routes through it.
                aws.ec2.Route(f"{self._name}-private-default-{az[-1]}", route_table_id=table.id,
                              destination_cidr_block="0.0.0.0/0",
                              nat_gateway_id=nat_gateway_ids[index % len(nat_gateway_ids)],
                              opts=self._child)
            self._associate(table, "private", [subnet], [az])
            tables.append(table)
        return tables

    def _isolated_routing(self, vpc: aws.ec2.Vpc,
                          isolated: Sequence[aws.ec2.Subnet]) -> aws.ec2.RouteTable:
        # No route to the internet: the data tier is reachable only inside the VPC.
        table = aws.ec2.RouteTable(f"{self._name}-isolated-rt", vpc_id=vpc.id,
                                   tags=self._tags(f"{self._args.name_prefix}-isolated"),
                                   opts=self._child)
        self._associate(table, "isolated", isolated, self._availability_zones)
        return table

    def _vpn_gateway(self, vpc: aws.ec2.Vpc, private_tables: Sequence[aws.ec2.RouteTable]) -> None:
        vgw = aws.ec2.VpnGateway(f"{self._name}-vgw", vpc_id=vpc.id,
                                 amazon_side_asn=str(self._args.vpn_amazon_side_asn),
                                 tags=self._tags(f"{self._args.name_prefix}-vgw"), opts=self._child)
        for table, az in zip(private_tables, self._availability_zones, strict=True):
            aws.ec2.VpnGatewayRoutePropagation(f"{self._name}-vgw-propagation-{az[-1]}",
                                               vpn_gateway_id=vgw.id, route_table_id=table.id,
                                               opts=self._child)

    def _flow_logs(self, vpc: aws.ec2.Vpc) -> None:
        prefix = self._args.name_prefix
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs", name=f"/{prefix}/vpc-flow-logs/{self._name}",
            retention_in_days=self._args.flow_log_retention_days,
            kms_key_id=self._args.flow_log_kms_key_arn, log_group_class=self._args.flow_log_class,
            tags=self._tags(f"{prefix}-vpc-flow-logs"), opts=self._child)
        account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self)).account_id
        role = workload_role(f"{self._name}-flow-logs-role", self._args.roles,
                            assume_role_policy=service_trust("vpc-flow-logs.amazonaws.com", account_id),
                            description="VPC flow logs delivery to CloudWatch Logs",
                            tags=self._tags(f"{prefix}-vpc-flow-logs"), opts=self._child)
        aws.iam.RolePolicy(f"{self._name}-flow-logs-policy", role=role.id, policy=policy_document(
            Statement(actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                      resources=[log_group.arn.apply(lambda arn: f"{arn}:*")]),
            # AWS authorizes DescribeLogGroups only on "*": a grant on the group's ARN is refused.
            Statement(actions=["logs:DescribeLogGroups"])),
            opts=self._child)
        aws.ec2.FlowLog(f"{self._name}-flow-log", vpc_id=vpc.id,
                        traffic_type=self._args.flow_log_traffic_type,
                        log_destination_type="cloud-watch-logs", log_destination=log_group.arn,
                        iam_role_arn=role.arn, max_aggregation_interval=60,
                        tags=self._tags(f"{prefix}-vpc-flow-log"), opts=self._child)

    def _application_group(self, vpc: aws.ec2.Vpc) -> pulumi.Output[str]:
        """The group every ECS task wears. The compute tier admits its load balancer into it;
        the data tier admits it into the database and cache groups. Egress: HTTPS anywhere
        (AWS APIs, Stripe) and the data ports into the isolated subnets only."""
        prefix = self._args.name_prefix
        group = aws.ec2.SecurityGroup(f"{self._name}-app-sg", vpc_id=vpc.id,
                                      description="ECS tasks of the application tier",
                                      tags=self._tags(f"{prefix}-app"), opts=self._child)
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-app-https-out", security_group_id=group.id, ip_protocol="tcp",
            from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0", description="HTTPS to AWS APIs and Stripe",
            tags=self._tags(f"{prefix}-app-https-out"), opts=self._child)
        for port, label in ((3306, "mysql"), (6379, "redis")):
            for cidr, az in zip(self._isolated_cidrs, self._availability_zones, strict=True):
                aws.vpc.SecurityGroupEgressRule(
                    f"{self._name}-app-{label}-out-{az[-1]}", security_group_id=group.id,
                    ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv4=cidr,
                    description=f"{label} in the isolated subnet of {az}",
                    tags=self._tags(f"{prefix}-app-{label}-out-{az}"), opts=self._child)
        return group.id

    def _endpoints(self, vpc: aws.ec2.Vpc, private: Sequence[aws.ec2.Subnet],
                   route_table_ids: Sequence[pulumi.Output[str]]) -> None:
        prefix, region = self._args.name_prefix, self._args.region
        account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self)).account_id
        # S3 (ECR image layers live there too) through the free gateway endpoint. Its policy keeps
        # the VPC from becoming a way out for data: this account's buckets, and ECR's layer bucket.
        aws.ec2.VpcEndpoint(f"{self._name}-s3-endpoint", vpc_id=vpc.id,
                            service_name=f"com.amazonaws.{region}.s3",
                            vpc_endpoint_type="Gateway", route_table_ids=list(route_table_ids),
                            policy=policy_document(
                                Statement(sid="OwnBuckets", actions=["s3:*"], principals={"*": ["*"]},
                                          conditions={"StringEquals": {"aws:ResourceAccount": account_id}}),
                                Statement(sid="EcrImageLayers", actions=["s3:GetObject"], principals={"*": ["*"]},
                                          resources=[f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"])),
                            tags=self._tags(f"{prefix}-s3"), opts=self._child)
        if not self._args.interface_endpoints:
            return
        group = aws.ec2.SecurityGroup(
            f"{self._name}-endpoints-sg", vpc_id=vpc.id,
            description="HTTPS from inside the VPC to the interface endpoints",
            tags=self._tags(f"{prefix}-endpoints"), opts=self._child)
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-endpoints-https-in", security_group_id=group.id, ip_protocol="tcp",
            from_port=443, to_port=443, cidr_ipv4=self._args.cidr,
            description="HTTPS from the VPC", tags=self._tags(f"{prefix}-endpoints-https"),
            opts=self._child)
        for service in self._args.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service.replace('.', '-')}-endpoint", vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}", vpc_endpoint_type="Interface",
                subnet_ids=[s.id for s in private][:self._args.interface_endpoint_zones or None],
                security_group_ids=[group.id], private_dns_enabled=True,
                # Only this account's principals may use the endpoint (stolen credentials of
                # another account cannot ship data out through it).
                policy=policy_document(Statement(
                    sid="ThisAccount", actions=["*"], principals={"*": ["*"]},
                    conditions={"StringEquals": {"aws:PrincipalAccount": account_id}})),
                tags=self._tags(f"{prefix}-{service}"), opts=self._child)
