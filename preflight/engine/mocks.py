"""The one mock engine: realistic AWS answers for every resource type and invoke the program uses.

Tests and the offline preflight share it. Outputs look like AWS's (ARNs in the right partition,
region and account; ids with the service's prefix; endpoints) so that code
which parses or concatenates them behaves as it would against the real provider.
In preview mode a resource gets back only its inputs: everything the provider computes stays
unknown, as in `pulumi preview`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"  # the offline credentials' account, unless the stack names its own
PARTITION = "aws"


class _Account:
    """The account the current offline run's credentials belong to (one run at a time per
    process: the SDK's mock runtime is process-wide too)."""

    id = ACCOUNT_ID


_ACCOUNT = _Account()

# AWS-managed CloudFront policies, by name (what the program looks them up by).
MANAGED_CACHE_POLICIES = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "Managed-CachingOptimizedForUncompressedObjects": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
}
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "Managed-AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
}
MANAGED_RESPONSE_HEADERS_POLICIES = {
    "Managed-SecurityHeadersPolicy": "67f7725c-6f97-4210-82d7-5512b31e9d03",
}
MANAGED_PREFIX_LISTS = {"com.amazonaws.global.cloudfront.origin-facing": "pl-3b927c52"}
# Maximum entries of those lists: a security-group rule naming one counts this many rules.
MANAGED_PREFIX_LIST_ENTRIES = {"pl-3b927c52": 55}

# Physical-id prefixes AWS uses, by resource type token.
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc-", "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/routeTable:RouteTable": "rtb-", "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-", "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-", "aws:ec2/vpnGateway:VpnGateway": "vgw-",
    "aws:ec2/flowLog:FlowLog": "fl-", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-",
    "aws:route53/zone:Zone": "Z0", "aws:cloudfront/distribution:Distribution": "E",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "E",
}

_ARN_SHAPES: dict[str, Callable[[str, str, str], str]] = {
    # token -> (region, name, id) -> arn
    "aws:s3/bucket:Bucket": lambda r, n, i: f"arn:{PARTITION}:s3:::{n}",
    "aws:iam/role:Role": lambda r, n, i: f"arn:{PARTITION}:iam::{_ACCOUNT.id}:role/{n}",
    "aws:iam/policy:Policy": lambda r, n, i: f"arn:{PARTITION}:iam::{_ACCOUNT.id}:policy/{n}",
    "aws:kms/key:Key": lambda r, n, i: f"arn:{PARTITION}:kms:{r}:{_ACCOUNT.id}:key/{i}",
    "aws:kms/alias:Alias": lambda r, n, i: f"arn:{PARTITION}:kms:{r}:{_ACCOUNT.id}:{n}",
    "aws:cloudwatch/logGroup:LogGroup": lambda r, n, i: f"arn:{PARTITION}:logs:{r}:{_ACCOUNT.id}:log-group:{n}",
    "aws:sns/topic:Topic": lambda r, n, i: f"arn:{PARTITION}:sns:{r}:{_ACCOUNT.id}:{n}",
    "aws:ssm/parameter:Parameter": lambda r, n, i: f"arn:{PARTITION}:ssm:{r}:{_ACCOUNT.id}:parameter/{n.lstrip('/')}",
    "aws:rds/instance:Instance": lambda r, n, i: f"arn:{PARTITION}:rds:{r}:{_ACCOUNT.id}:db:{n}",
    "aws:secretsmanager/secret:Secret": lambda r, n, i: (
        f"arn:{PARTITION}:secretsmanager:{r}:{_ACCOUNT.id}:secret:{n}-AbCdEf"),
    "aws:ecs/cluster:Cluster": lambda r, n, i: f"arn:{PARTITION}:ecs:{r}:{_ACCOUNT.id}:cluster/{n}",
    "aws:ecr/repository:Repository": lambda r, n, i: f"arn:{PARTITION}:ecr:{r}:{_ACCOUNT.id}:repository/{n}",
    "aws:cloudfront/distribution:Distribution": lambda r, n, i: (
        f"arn:{PARTITION}:cloudfront::{_ACCOUNT.id}:distribution/{i}"),
}


def stable_hex(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def auto_name(token: str, logical_name: str) -> str:
    """The physical name Pulumi gives a resource whose name is not set: its logical name plus a
    hyphen and 7 random hex characters (stable here)."""
    return f"{logical_name}-{stable_hex(token, logical_name, length=7)}"


def _module_and_kind(token: str) -> tuple[str, str]:
    # "aws:ec2/vpc:Vpc" -> ("ec2", "vpc")
    middle = token.split(":")[1] if token.count(":") == 2 else token
    module, _, kind = middle.partition("/")
    return module, kind or module


class AwsMocks(pulumi.runtime.Mocks):
    """Answers the mock monitor with AWS-shaped state. Knows each provider's region."""

    def __init__(self, *, preview: bool = False, default_region: str = "us-east-1",
                 account_id: str = ACCOUNT_ID,
                 stack_outputs: dict[str, tuple[dict[str, Any], set[str]]] | None = None,
                 lookups: dict[tuple[str, str], dict[str, Any]] | None = None) -> None:
        _ACCOUNT.id = account_id
        # (invoke token, looked-up name) -> what a deployed account answers (an adopted
        # deployment's hosted zone): the program's lookups see the real ids.
        self.lookups = lookups or {}
        # "organization/project/stack" -> (outputs, names of the secret ones): what a
        # StackReference reads (a stack the runner ran first).
        self.stack_outputs = stack_outputs or {}
        self.preview = preview
        self.default_region = default_region
        self.provider_regions: dict[str, str] = {}

    # --- helpers ---------------------------------------------------------------------------

    def region_of(self, provider_ref: str | None) -> str:
        # A provider reference is "<provider urn>::<provider id>"; the urn ends in its name.
        parts = (provider_ref or "").split("::")
        return self.provider_regions.get(parts[-2], self.default_region) if len(parts) > 2 \
            else self.default_region

    def _physical_id(self, token: str, name: str, inputs: dict[str, Any]) -> str:
        if token == "aws:kms/key:Key":  # noqa: S105 - a type token, not a password
            return str(uuid.UUID(stable_hex(token, name, length=32)))
        if token in ("aws:ssm/parameter:Parameter", "aws:s3/bucket:Bucket",
                     "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role"):
            return str(inputs.get("name") or inputs.get("bucket") or name)
        prefix = _ID_PREFIX.get(token, "")
        digits = stable_hex(token, name).upper() if prefix in ("E", "Z0") else stable_hex(token, name)
        return f"{prefix}{digits}" if prefix else f"{name}-{stable_hex(token, name, length=8)}"

    # --- resources -------------------------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        token, inputs = args.typ, dict(args.inputs)
        if token == "pulumi:pulumi:StackReference":  # noqa: S105 - a type token
            name = str(inputs.get("name"))
            if name not in self.stack_outputs:
                raise KeyError(f"StackReference {name!r}: the preflight ran no such stack first "
                               f"(known: {', '.join(self.stack_outputs) or 'none'})")
            outputs, secret = self.stack_outputs[name]
            return name, {"name": name, "outputs": outputs, "secretOutputNames": sorted(secret)}
        if token.startswith("pulumi:providers:"):
            region = inputs.get("region", self.default_region)
            self.provider_regions[args.name] = region
            return (None if self.preview else f"{args.name}-provider-id"), inputs
        if self.preview:
            return None, inputs
        region = self.region_of(args.provider)
        physical_id = self._physical_id(token, args.name, inputs)
        state = dict(inputs)
        generated = auto_name(token, args.name)
        if "name" not in state and token.startswith("aws:") and token not in _NAMELESS:
            state["name"] = generated
        module, kind = _module_and_kind(token)
        state.setdefault("arn", _ARN_SHAPES.get(token, lambda r, n, i: (
            f"arn:{PARTITION}:{module}:{r}:{_ACCOUNT.id}:{kind}/{i}"))(
                region, str(state.get("bucket") or state.get("name") or generated), physical_id))
        state["id"] = physical_id
        state.setdefault("tagsAll", state.get("tags", {}))
        shaper = _SHAPERS.get(token)
        if shaper:
            shaper(state, region, physical_id, generated)
        return physical_id, state

    # --- invokes ---------------------------------------------------------------------------

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:  # type: ignore[override]
        known = self.lookups.get((args.token, str(args.args.get("name", ""))))
        if known is not None:
            return dict(known), []
        handler = _INVOKES.get(args.token)
        if handler is None:
            raise NotImplementedError(f"the mock engine has no answer for invoke {args.token}; "
                                      f"add one to preflight/engine/mocks.py")
        return handler(self, args.args, self.region_of(args.provider)), []


_NAMELESS = {
    "aws:ec2/subnet:Subnet", "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/vpc:Vpc", "aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway",
}


def _shape_bucket(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    bucket = state.setdefault("bucket", state.get("bucketPrefix", "") + auto_name)
    state["arn"] = f"arn:{PARTITION}:s3:::{bucket}"
    state["id"] = bucket
    state["bucketDomainName"] = f"{bucket}.s3.amazonaws.com"
    state["bucketRegionalDomainName"] = f"{bucket}.s3.{region}.amazonaws.com"
    state["region"] = region


def _shape_iam_path(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    # IAM ARNs carry the path: arn:aws:iam::<account>:role/<path><name>.
    kind = "role" if state["arn"].split(":")[5].startswith("role/") else "policy"
    state["arn"] = f"arn:{PARTITION}:iam::{_ACCOUNT.id}:{kind}{state.get('path') or '/'}{state['name']}"


def _shape_eip(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    # A VPC address's id is its allocation id (eipalloc-…), which a NAT gateway takes.
    state["allocationId"] = physical_id
    state["publicIp"] = "198.51.100." + str(int(physical_id[-2:], 16) % 250 + 1)


def _shape_kms_key(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    state["keyId"] = physical_id


def _shape_vpc(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    state["defaultSecurityGroupId"] = "sg-" + stable_hex(physical_id, "default")
    state["mainRouteTableId"] = "rtb-" + stable_hex(physical_id, "main")
    state["defaultNetworkAclId"] = "acl-" + stable_hex(physical_id, "acl")


def _shape_subnet(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    zone = str(state.get("availabilityZone", region + "a"))
    state["availabilityZoneId"] = _zone_id(region, "abcdef".index(zone[-1]))


def _shape_rds(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    identifier = state.get("identifier") or auto_name
    state["identifier"] = identifier
    state["arn"] = f"arn:{PARTITION}:rds:{region}:{_ACCOUNT.id}:db:{identifier}"
    state["address"] = f"{identifier}.c{stable_hex(identifier, length=11)}.{region}.rds.amazonaws.com"
    state["port"] = state.get("port", 3306)
    state["endpoint"] = f"{state['address']}:{state['port']}"
    state["resourceId"] = "db-" + stable_hex(identifier, length=26).upper()


def _shape_replication_group(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    rg = state.get("replicationGroupId", auto_name)
    state["primaryEndpointAddress"] = f"master.{rg}.{stable_hex(rg, length=6)}.use1.cache.amazonaws.com"
    state["readerEndpointAddress"] = f"replica.{rg}.{stable_hex(rg, length=6)}.use1.cache.amazonaws.com"
    state["port"] = state.get("port", 6379)
    state["arn"] = f"arn:{PARTITION}:elasticache:{region}:{_ACCOUNT.id}:replicationgroup:{rg}"


def _shape_load_balancer(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    name = state["name"]
    suffix = f"app/{name}/{stable_hex(name, length=16)}"
    state["arn"] = f"arn:{PARTITION}:elasticloadbalancing:{region}:{_ACCOUNT.id}:loadbalancer/{suffix}"
    state["arnSuffix"] = suffix
    state["dnsName"] = f"{name}-{stable_hex(name, length=10)}.{region}.elb.amazonaws.com"
    state["zoneId"] = "Z35SXDOTRQ7X7K"


def _shape_target_group(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    name = state["name"]
    suffix = f"targetgroup/{name}/{stable_hex(name, length=16)}"
    state["arn"] = f"arn:{PARTITION}:elasticloadbalancing:{region}:{_ACCOUNT.id}:{suffix}"
    state["arnSuffix"] = suffix


def _shape_distribution(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    state["domainName"] = f"d{stable_hex(physical_id, length=13)}.cloudfront.net"
    state["hostedZoneId"] = "Z2FDTNDATAQYW2"


def _shape_certificate(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    names = [state.get("domainName"), *state.get("subjectAlternativeNames", [])]
    certificate_id = uuid.UUID(stable_hex(physical_id, length=32))
    state["arn"] = f"arn:{PARTITION}:acm:{region}:{_ACCOUNT.id}:certificate/{certificate_id}"
    state["domainValidationOptions"] = [
        {"domainName": n, "resourceRecordName": f"_{stable_hex(n, length=32)}.{n.lstrip('*.')}.",
         "resourceRecordType": "CNAME",
         "resourceRecordValue": f"_{stable_hex(n, 'v', length=32)}.xlfgrmvvlj.acm-validations.aws."}
        for n in names if n]


def _shape_web_acl(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    scope = "global" if state.get("scope") == "CLOUDFRONT" else "regional"
    state["arn"] = f"arn:{PARTITION}:wafv2:{region}:{_ACCOUNT.id}:{scope}/webacl/{state['name']}/{physical_id}"


def _shape_record(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    state["fqdn"] = str(state.get("name", auto_name)).rstrip(".")


def _shape_repository(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    state["registryId"] = _ACCOUNT.id
    state["repositoryUrl"] = f"{_ACCOUNT.id}.dkr.ecr.{region}.amazonaws.com/{state['name']}"


def _shape_opensearch(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    domain = state.get("domainName", auto_name)
    state["endpoint"] = f"vpc-{domain}-{stable_hex(domain, length=26)}.{region}.es.amazonaws.com"
    state["dashboardEndpoint"] = state["endpoint"] + "/_dashboards"
    state["arn"] = f"arn:{PARTITION}:es:{region}:{_ACCOUNT.id}:domain/{domain}"


def _shape_zone(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    state["zoneId"] = physical_id
    state["nameServers"] = [f"ns-{i}.awsdns-{i:02d}.org" for i in (1, 2, 3, 4)]


def _shape_random_password(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    length = int(state.get("length", 16))
    special = state.get("overrideSpecial", "!@#$%&*()-_=+[]{}<>:?") if state.get("special", True) else ""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + special
    seed = stable_hex(physical_id, length=64)
    state["result"] = "".join(alphabet[int(seed[i % 64], 16) * 7 % len(alphabet)] for i in range(length))
    state["bcryptHash"] = "$2a$10$" + stable_hex(state["result"], length=53)


def _shape_random_id(state: dict, region: str, physical_id: str, auto_name: str) -> None:
    state["hex"] = stable_hex(physical_id, length=2 * int(state.get("byteLength", 4)))
    state["b64Url"] = state["hex"]
    state["dec"] = str(int(state["hex"], 16))


_SHAPERS: dict[str, Callable[[dict, str, str, str], None]] = {
    "aws:s3/bucket:Bucket": _shape_bucket,
    "aws:kms/key:Key": _shape_kms_key,
    "aws:ec2/eip:Eip": _shape_eip,
    "aws:iam/role:Role": _shape_iam_path,
    "aws:iam/policy:Policy": _shape_iam_path,
    "aws:ec2/vpc:Vpc": _shape_vpc,
    "aws:ec2/subnet:Subnet": _shape_subnet,
    "aws:rds/instance:Instance": _shape_rds,
    "aws:elasticache/replicationGroup:ReplicationGroup": _shape_replication_group,
    "aws:lb/loadBalancer:LoadBalancer": _shape_load_balancer,
    "aws:lb/targetGroup:TargetGroup": _shape_target_group,
    "aws:cloudfront/distribution:Distribution": _shape_distribution,
    "aws:acm/certificate:Certificate": _shape_certificate,
    "aws:ecr/repository:Repository": _shape_repository,
    "aws:route53/record:Record": _shape_record,
    "aws:wafv2/webAcl:WebAcl": _shape_web_acl,
    "aws:opensearch/domain:Domain": _shape_opensearch,
    "aws:route53/zone:Zone": _shape_zone,
    "random:index/randomPassword:RandomPassword": _shape_random_password,
    "random:index/randomId:RandomId": _shape_random_id,
}

# --- invokes -----------------------------------------------------------------------------

Invoke = Callable[[AwsMocks, dict, str], dict]


def _zone_id(region: str, index: int) -> str:
    # us-east-1 -> use1-az1, us-west-2 -> usw2-az1, ...
    country, direction, number = region.split("-")
    return f"{country}{direction[0]}{number}-az{index + 1}"


def _azs(mocks: AwsMocks, args: dict, region: str) -> dict:
    letters = "abcdef" if region == "us-east-1" else "abcd"
    names = [region + letter for letter in letters]
    return {"names": names, "zoneIds": [_zone_id(region, i) for i in range(len(names))],
            "id": region, "groupNames": [region] * len(names)}


def _caller(mocks: AwsMocks, args: dict, region: str) -> dict:
    return {"accountId": _ACCOUNT.id, "arn": f"arn:{PARTITION}:iam::{_ACCOUNT.id}:user/preflight",
            "userId": "AIDAPREFLIGHT", "id": _ACCOUNT.id}


def _region(mocks: AwsMocks, args: dict, region: str) -> dict:
    name = args.get("region") or region
    return {"region": name, "id": name, "endpoint": f"ec2.{name}.amazonaws.com",
            "description": name}


def _partition(mocks: AwsMocks, args: dict, region: str) -> dict:
    return {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION,
            "reverseDnsPrefix": "com.amazonaws"}


def _zone(mocks: AwsMocks, args: dict, region: str) -> dict:
    name = args.get("name", "example.com")
    return {"name": name, "zoneId": "Z0" + stable_hex(name).upper(), "id": "Z0" + stable_hex(name).upper(),
            "arn": f"arn:{PARTITION}:route53:::hostedzone/Z0{stable_hex(name).upper()}",
            "nameServers": [f"ns-{i}.awsdns-{i:02d}.org" for i in (1, 2, 3, 4)], "privateZone": False}


def _by_name(table: dict[str, str], what: str) -> Invoke:
    def lookup(mocks: AwsMocks, args: dict, region: str) -> dict:
        name = args.get("name")
        if name not in table:
            raise KeyError(f"no AWS-managed {what} named {name!r} (known: {', '.join(table)})")
        return {"id": table[name], "name": name}
    return lookup


def _prefix_list(mocks: AwsMocks, args: dict, region: str) -> dict:
    name = args.get("name")
    if name not in MANAGED_PREFIX_LISTS:
        raise KeyError(f"no AWS-managed prefix list named {name!r}")
    return {"id": MANAGED_PREFIX_LISTS[name], "name": name, "addressFamily": "IPv4",
            "maxEntries": MANAGED_PREFIX_LIST_ENTRIES[MANAGED_PREFIX_LISTS[name]],
            "arn": f"arn:{PARTITION}:ec2:{region}:aws:prefix-list/{MANAGED_PREFIX_LISTS[name]}"}


_INVOKES: dict[str, Invoke] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _azs,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:route53/getZone:getZone": _zone,
    "aws:cloudfront/getCachePolicy:getCachePolicy": _by_name(MANAGED_CACHE_POLICIES, "cache policy"),
    "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy": _by_name(
        MANAGED_ORIGIN_REQUEST_POLICIES, "origin request policy"),
    "aws:cloudfront/getResponseHeadersPolicy:getResponseHeadersPolicy": _by_name(
        MANAGED_RESPONSE_HEADERS_POLICIES, "response headers policy"),
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": _prefix_list,
}
