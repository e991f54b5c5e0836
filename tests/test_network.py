"""Network tier, for both stacks (captured inputs) and as a component (Outputs)."""

from __future__ import annotations

import ipaddress
import json

import pulumi
import pytest

from components.network import SUBNET_OFFSETS, subnet_cidrs
from components.tagging import REQUIRED_TAG_KEYS
from preflight.engine.runner import StackRun

from .conftest import children_of, environment_of, is_taggable, setting, stack_run

SUBNET = "aws:ec2/subnet:Subnet"


def _network(run: StackRun, name: str = "network"):
    component = run.one("elite-locadora:network:NetworkTier", name)
    return component, children_of(run, component)


def _of(resources, token):
    return [r for r in resources if r.type == token]


@pytest.mark.parametrize("stack", ["staging", "production", "production-dr"])
def test_one_subnet_per_az_per_tier(stack: str) -> None:
    run = stack_run(stack)
    _, resources = _network(run)
    subnets = _of(resources, SUBNET)
    by_tier: dict[str, list[str]] = {}
    for subnet in subnets:
        by_tier.setdefault(subnet.inputs["tags"]["Tier"], []).append(subnet.inputs["availabilityZone"])
    assert set(by_tier) == {"public", "private", "isolated"}, f"{stack}: tiers {set(by_tier)}"
    for tier, zones in by_tier.items():
        region = setting(stack, "aws:region")
        assert sorted(zones) == [f"{region}a", f"{region}b", f"{region}c"], f"{stack} {tier}: {zones}"


def test_subnet_cidrs_follow_the_guide_and_stay_inside_the_vpc(production: StackRun) -> None:
    _, resources = _network(production)
    vpc = _of(resources, "aws:ec2/vpc:Vpc")[0]
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    cidrs = {s.inputs["tags"]["Tier"] + s.inputs["availabilityZone"][-1]: s.inputs["cidrBlock"]
             for s in _of(resources, SUBNET)}
    assert cidrs["privatea"] == "10.0.1.0/24" and cidrs["publicc"] == "10.0.103.0/24", cidrs
    networks = [ipaddress.IPv4Network(c) for c in cidrs.values()]
    assert all(n.subnet_of(ipaddress.IPv4Network("10.0.0.0/16")) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1:])


def test_no_subnet_assigns_public_ips(any_stack: StackRun) -> None:
    for subnet in any_stack.of_type(SUBNET):
        assert subnet.inputs["mapPublicIpOnLaunch"] is False, subnet.urn


@pytest.mark.parametrize(("stack", "nat_count"), [("staging", 1), ("production", 3)])
def test_nat_strategy(stack: str, nat_count: int) -> None:
    _, resources = _network(stack_run(stack))
    nats = _of(resources, "aws:ec2/natGateway:NatGateway")
    assert len(nats) == nat_count, f"{stack}: {[n.name for n in nats]}"
    public_ids = {s.id for s in _of(resources, SUBNET) if s.inputs["tags"]["Tier"] == "public"}
    assert all(n.inputs["subnetId"] in public_ids for n in nats), "NAT gateways belong in public subnets"
    routes = [r for r in _of(resources, "aws:ec2/route:Route") if "natGatewayId" in r.inputs]
    assert len(routes) == 3, f"{stack}: every private route table needs a default route"
    used = {r.inputs["natGatewayId"] for r in routes}
    assert used == {n.id for n in nats}, f"{stack}: routes use {used}"


def test_isolated_subnets_have_no_internet_route(any_stack: StackRun) -> None:
    _, resources = _network(any_stack)
    isolated_table = next(t for t in _of(resources, "aws:ec2/routeTable:RouteTable")
                          if t.name == "network-isolated-rt")
    routes = [r for r in _of(resources, "aws:ec2/route:Route")
              if r.inputs["routeTableId"] == isolated_table.id]
    assert routes == [], f"{any_stack.stack}: isolated table has routes {[r.name for r in routes]}"


def test_flow_logs_are_on_and_encrypted(any_stack: StackRun) -> None:
    _, resources = _network(any_stack)
    flow_log = _of(resources, "aws:ec2/flowLog:FlowLog")[0]
    group = _of(resources, "aws:cloudwatch/logGroup:LogGroup")[0]
    key = any_stack.one("aws:kms/key:Key", "keys-logs")
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestination"] == group.outputs["arn"]
    assert group.inputs["kmsKeyId"] == key.outputs["arn"], f"{group.urn} not encrypted with the logs key"
    assert group.inputs["retentionInDays"] in (14, 365)
    policy = json.loads(key.inputs["policy"])
    logs_statement = next(s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsUsesKeyForThisAccount")
    assert logs_statement["Principal"] == {"Service": f"logs.{setting(any_stack.stack, 'aws:region')}.amazonaws.com"}
    assert key.inputs["enableKeyRotation"] is True


def test_flow_log_role_is_scoped_to_its_log_group(any_stack: StackRun) -> None:
    _, resources = _network(any_stack)
    group = _of(resources, "aws:cloudwatch/logGroup:LogGroup")[0]
    policy = json.loads(_of(resources, "aws:iam/rolePolicy:RolePolicy")[0].inputs["policy"])
    resources_named = {r for s in policy["Statement"] for r in
                       ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])}
    assert resources_named == {group.outputs["arn"] + ":*", "*"}, resources_named
    # AWS authorizes logs:DescribeLogGroups only on "*"; nothing else is granted there.
    unscoped = [s for s in policy["Statement"] if s["Resource"] == "*"]
    assert [s["Action"] for s in unscoped] == ["logs:DescribeLogGroups"]


def test_endpoints_keep_aws_traffic_off_the_nat(any_stack: StackRun) -> None:
    _, resources = _network(any_stack)
    endpoints = {e.inputs["serviceName"]: e for e in _of(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")}
    region, cidr = setting(any_stack.stack, "aws:region"), setting(any_stack.stack, "vpcCidr")
    s3 = endpoints.pop(f"com.amazonaws.{region}.s3")
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    tables = {t.id for t in _of(resources, "aws:ec2/routeTable:RouteTable") if t.name != "network-public-rt"}
    assert set(s3.inputs["routeTableIds"]) == tables, "S3 gateway must serve private and isolated tables"
    expected = {f"com.amazonaws.{region}.{s}" for s in ("ecr.api", "ecr.dkr", "logs", "ssm")}
    assert set(endpoints) == expected
    private_ids = {s.id for s in _of(resources, SUBNET) if s.inputs["tags"]["Tier"] == "private"}
    group = next(g for g in _of(resources, "aws:ec2/securityGroup:SecurityGroup") if g.name.endswith("endpoints-sg"))
    for endpoint in endpoints.values():
        assert endpoint.inputs["vpcEndpointType"] == "Interface"
        assert endpoint.inputs["privateDnsEnabled"] is True
        # interfaceEndpointZones: the first N private subnets (0: all of them), never fewer than two.
        zones = int(setting(any_stack.stack, "interfaceEndpointZones") or len(private_ids))
        assert set(endpoint.inputs["subnetIds"]) <= private_ids and len(endpoint.inputs["subnetIds"]) == zones >= 2
        assert endpoint.inputs["securityGroupIds"] == [group.id]
    rule = next(r for r in _of(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                if r.inputs["securityGroupId"] == group.id)
    assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["cidrIpv4"]) == (443, 443, cidr)


def test_default_security_group_is_stripped(any_stack: StackRun) -> None:
    for group in any_stack.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"):
        assert group.inputs.get("ingress", []) == [] and group.inputs.get("egress", []) == [], group.urn


def test_vpn_gateway_only_where_configured(staging: StackRun, production: StackRun) -> None:
    assert staging.of_type("aws:ec2/vpnGateway:VpnGateway") == []
    vgw = production.one("aws:ec2/vpnGateway:VpnGateway")
    assert vgw.inputs["amazonSideAsn"] == "64512"
    assert len(production.of_type("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")) == 3


def test_one_network_per_stack_in_the_stacks_region(any_stack: StackRun) -> None:
    # The DR region's network is the DR stack's own NetworkTier, not a second tier of production.
    assert [c.name for c in any_stack.of_type("elite-locadora:network:NetworkTier")] == ["network"]
    vpc = any_stack.one("aws:ec2/vpc:Vpc")
    assert vpc.region == setting(any_stack.stack, "aws:region")
    assert vpc.inputs["cidrBlock"] == setting(any_stack.stack, "vpcCidr")


def test_every_taggable_resource_carries_the_stack_tags(any_stack: StackRun) -> None:
    taggable = [r for r in any_stack.resources if is_taggable(r)]
    assert len(taggable) > 30
    for reg in taggable:
        tags = reg.inputs.get("tags") or {}
        missing = [k for k in REQUIRED_TAG_KEYS if k not in tags]
        assert not missing, f"{reg.urn} lacks tags {missing}"
        assert tags["Environment"] == environment_of(any_stack.stack) and tags["ManagedBy"] == "Pulumi", reg.urn
        assert tags.get("Stack") == (any_stack.stack if environment_of(any_stack.stack) != any_stack.stack else None)


def test_subnet_layout_helper() -> None:
    assert subnet_cidrs("172.20.0.0/16", "isolated", 2) == ["172.20.201.0/24", "172.20.202.0/24"]
    assert SUBNET_OFFSETS == {"private": 1, "public": 101, "isolated": 201}


# --- the component on its own, through its Outputs ----------------------------------------

@pulumi.runtime.test
def test_component_outputs_with_two_azs_and_no_nat() -> pulumi.Output:
    from components.iam import RolePlacement
    from components.network import NetworkArgs, NetworkTier
    from preflight.engine.mocks import AwsMocks

    pulumi.runtime.set_mocks(AwsMocks(), project="elite-locadora", stack="unit", preview=False)
    tier = NetworkTier("unit", NetworkArgs(
        name_prefix="unit", region="us-east-1", cidr="10.9.0.0/16", az_count=2, nat_strategy="none",
        flow_log_retention_days=7, flow_log_kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/x",
        tags={"Project": "elite-locadora"}, roles=RolePlacement("/elite-locadora/unit/", None)))

    def check(values: list) -> None:
        vpc_id, public, private, isolated = values
        assert vpc_id.startswith("vpc-"), vpc_id
        assert len(public) == len(private) == len(isolated) == 2, values
        assert tier.handle.availability_zones == ["us-east-1a", "us-east-1b"]

    handle = tier.handle
    return pulumi.Output.all(handle.vpc_id, handle.public_subnet_ids, handle.private_subnet_ids,
                             handle.isolated_subnet_ids).apply(check)


def test_application_group_egress_is_https_and_data_ports_only(any_stack: StackRun) -> None:
    group = any_stack.one("aws:ec2/securityGroup:SecurityGroup", "network-app-sg")
    egress = [r.inputs for r in any_stack.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
              if r.inputs["securityGroupId"] == group.id]
    open_world = [(e["fromPort"], e["cidrIpv4"]) for e in egress if e["cidrIpv4"] == "0.0.0.0/0"]
    assert open_world == [(443, "0.0.0.0/0")], open_world
    data = {(e["fromPort"], e["cidrIpv4"]) for e in egress if e["fromPort"] in (3306, 6379)}
    isolated = subnet_cidrs(str(setting(any_stack.stack, "vpcCidr")), "isolated", 3)
    assert data == {(p, c) for p in (3306, 6379) for c in isolated}, data
