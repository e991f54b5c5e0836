"""Adopt a running Terraform deployment: map its state onto this program, write the `pulumi import`
file, and preview the first `up` after the import.

Mapping is by what identifies a resource, never by position: first an identifying attribute equal
on both sides (a CIDR, a bucket, an identifier, a record's name and type); then the same name once
the project, stack and account are taken out of it (`elite-locadora-frontend-tg` is the program's
`elite-locadora-production-frontend`); then the only resource of its kind and role in the region
(the VPC, the primary database, the CLOUDFRONT web ACL); then the graph — a resource whose Terraform
neighbours (what it references and what references it) are mapped is the program's resource of its
type next to theirs (a subnet's route-table association, a bucket's versioning, a NAT's EIP).
Two Terraform resources on one program resource, or one Terraform resource on several, is an error.

The import id is what `pulumi import` needs for the type (IMPORT_IDS, from each type's "Import"
section in pulumi_aws) — Terraform's `id` is often something else (an RDS instance's is its
`db-…` resource id; a web ACL imports as `id/name/scope`; a route as `rtb-…_destination`).

The plan after adoption is the change preview's engine (`preflight.plan.changes`) with the Terraform
attributes, in Pulumi's names and shapes (`preflight.plan.terraform`), as the prior state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..engine.runner import PROJECT_DIR, Registration, StackRun, available_stacks, project_name
from . import changes
from .terraform import TfInstance, optional_only, provider_regions, pulumi_shape

# Terraform type -> the Pulumi type that takes its place. The program's own types come from the
# replacement table (whose `terraform` names were read from the provider); these are the rest.
GUIDE_TYPES = {
    "aws_cloudfront_origin_access_identity": "aws:cloudfront/originAccessIdentity:OriginAccessIdentity",
    "aws_default_network_acl": "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
    "aws_default_route_table": "aws:ec2/defaultRouteTable:DefaultRouteTable",
    "aws_route53_zone": "aws:route53/zone:Zone",
    "aws_security_group_rule": "aws:ec2/securityGroupRule:SecurityGroupRule",
}


class AdoptError(ValueError):
    """Input adoption cannot go on with; the message names the Terraform address(es)."""


@cache
def pulumi_type_of() -> dict[str, str]:
    table = json.loads(changes.TABLE.read_text())["types"]
    found = dict(GUIDE_TYPES)
    for token, entry in sorted(table.items()):
        if entry.get("terraform") and not token.startswith("aws:alb/"):  # lb/* are the current names
            found.setdefault(entry["terraform"], token)
    return found


# --- import ids ---------------------------------------------------------------------------------
# What `pulumi import` takes for each type, where it is not Terraform's `id` (pulumi_aws
# 7.x, the "Import" section of each resource's documentation; tests/test_adopt.py reads the
# installed package's docstrings to keep this true). Every other type imports by `id`.


def _last(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


IMPORT_IDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # Terraform's id is the DbiResourceId (db-…); Pulumi imports by identifier.
    "aws:rds/instance:Instance": lambda a: a["identifier"],
    "aws:wafv2/webAcl:WebAcl": lambda a: f"{a['id']}/{a['name']}/{a['scope']}",
    "aws:ec2/route:Route": lambda a: f"{a['route_table_id']}_" + str(
        a.get("destination_cidr_block") or a.get("destination_ipv6_cidr_block") or a.get("destination_prefix_list_id")),
    "aws:ec2/routeTableAssociation:RouteTableAssociation":
        lambda a: f"{a.get('subnet_id') or a.get('gateway_id')}/{a['route_table_id']}",
    # Terraform's id is the ARN; Pulumi imports cluster-name/service-name.
    "aws:ecs/service:Service": lambda a: f"{_last(a['cluster'])}/{a['name']}",
    # Terraform's id is the cluster's ARN; Pulumi imports by name.
    "aws:ecs/cluster:Cluster": lambda a: a["name"],
    # Terraform's id is the family; Pulumi imports the revision's ARN.
    "aws:ecs/taskDefinition:TaskDefinition": lambda a: a["arn"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda a: f"{a['role']}/{a['policy_arn']}",
    "aws:iam/rolePolicy:RolePolicy": lambda a: f"{a['role']}:{a['name']}",
    # Terraform's id is the route table's; Pulumi imports by the VPC's.
    "aws:ec2/defaultRouteTable:DefaultRouteTable": lambda a: a["vpc_id"],
    "aws:route53/record:Record": lambda a: "_".join(p for p in (a["zone_id"], a["name"], a["type"],
                                                                a.get("set_identifier") or "") if p),
    "aws:lb/listenerRule:ListenerRule": lambda a: a["arn"],
    "aws:appautoscaling/target:Target":
        lambda a: f"{a['service_namespace']}/{a['resource_id']}/{a['scalable_dimension']}",
    "aws:appautoscaling/policy:Policy":
        lambda a: f"{a['service_namespace']}/{a['resource_id']}/{a['scalable_dimension']}/{a['name']}",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda a: a["security_group_rule_id"],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": lambda a: a["security_group_rule_id"],
}


def import_id(token: str, instance: TfInstance) -> str:
    make = IMPORT_IDS.get(token)
    try:
        return make(instance.attributes) if make else instance.id
    except (KeyError, TypeError):
        raise AdoptError(f"{instance.address}: no value for the import id of {token} in its attributes") from None


# --- what identifies a resource -----------------------------------------------------------------

# Attributes (Pulumi names) whose values, all equal, say two resources are the same one.
IDENTITY: dict[str, list[tuple[str, ...]]] = {
    "aws:ec2/vpc:Vpc": [("cidrBlock",)],
    "aws:ec2/subnet:Subnet": [("cidrBlock",)],
    "aws:rds/instance:Instance": [("identifier",)],
    "aws:elasticache/replicationGroup:ReplicationGroup": [("replicationGroupId",)],
    "aws:s3/bucket:Bucket": [("bucket",)],
    "aws:acm/certificate:Certificate": [("domainName",)],
    "aws:route53/record:Record": [("name", "type", "setIdentifier")],
    "aws:route53/zone:Zone": [("name",)],
    "aws:wafv2/webAcl:WebAcl": [("name", "scope")],
    "aws:cloudfront/distribution:Distribution": [("aliases",)],
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": [("clusterName",)],
    "aws:ecs/taskDefinition:TaskDefinition": [("family",)],
}
NAME_KEYS = ("name", "bucket", "identifier", "family", "replicationGroupId", "clusterName")
# Name tokens that say whose a resource is, not what it is.
_NOISE = {"elite", "locadora", "elitelocadora", "tf", "terraform", "sg", "tg", "vpc", "repo", "production", "prod"}
# Types of which a region holds one per role: the only one on each side is the same resource.
SINGLETONS = {
    "aws:ec2/vpc:Vpc", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/vpnGateway:VpnGateway",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws:ecs/cluster:Cluster",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "aws:lb/loadBalancer:LoadBalancer",
    "aws:cloudfront/distribution:Distribution", "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:rds/instance:Instance", "aws:wafv2/webAcl:WebAcl", "aws:route53/zone:Zone",
}


ROLES: dict[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]] = {
    "aws:rds/instance:Instance": lambda p: ("replica" if p.get("replicateSourceDb") else "primary",),
    "aws:wafv2/webAcl:WebAcl": lambda p: (p.get("scope"),),
    "aws:lb/listener:Listener": lambda p: (_number(p.get("port")),),
    "aws:ec2/route:Route": lambda p: (p.get("destinationCidrBlock"),),
    "aws:route53/record:Record": lambda p: (p.get("type"),),
}


def role(type_token: str, props: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a resource does, beyond its type: a primary or a replica, a web ACL's scope, a
    listener's port. Resources of different roles never match."""
    found = ROLES.get(type_token)
    return found(props) if found else ()


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def stem(name: Any, noise: set[str]) -> tuple[str, ...]:
    tokens = re.split(r"[^a-z0-9]+", str(name or "").lower())
    return tuple(t for t in tokens if t and t not in noise and not re.fullmatch(r"\d{12}", t))


def _names(props: Mapping[str, Any]) -> list[Any]:
    found = [props[k] for k in NAME_KEYS if isinstance(props.get(k), str)]
    tags = props.get("tags")
    if isinstance(tags, Mapping) and isinstance(tags.get("Name"), str):
        found.append(tags["Name"])
    return found


def _same(a: Any, b: Any) -> bool:
    return a is not None and b is not None and changes.normal(a) == changes.normal(b)


# --- mapping ------------------------------------------------------------------------------------


@dataclass
class Match:
    instance: TfInstance
    registration: Registration
    how: str  # identity | name | only-one | graph


@dataclass
class StateMapping:
    matches: list[Match] = field(default_factory=list)
    unmatched: list[TfInstance] = field(default_factory=list)
    elsewhere: dict[str, str] = field(default_factory=dict)  # address -> the stack that owns its region
    unknown_types: list[TfInstance] = field(default_factory=list)


class _Mapper:
    def __init__(self, run: StackRun, instances: Sequence[TfInstance], region: str, noise: set[str]):
        self.run, self.region, self.noise = run, region, noise
        self.regions = provider_regions(list(instances), region)
        self.by_urn = {r.urn: r for r in run.resources if r.custom and not r.type.startswith("pulumi:providers:")}
        self.instances = instances
        self.props: dict[str, dict[str, Any]] = {}
        types = pulumi_type_of()
        for i in instances:
            if i.type in types:
                try:
                    self.props[i.address] = pulumi_shape(i, types[i.type]).outputs
                except AttributeError:  # a type pulumi_aws no longer has
                    continue
        self.claimed: dict[str, TfInstance] = {}  # program URN -> the Terraform instance on it
        self.found: dict[str, Match] = {}
        self.neighbours = self._tf_graph()
        self.program_neighbours: dict[str, set[str]] = {u: set() for u in self.by_urn}
        for reg in self.by_urn.values():
            for dep in {*reg.dependencies, *(u for us in reg.property_dependencies.values() for u in us)}:
                if dep in self.by_urn:
                    self.program_neighbours[reg.urn].add(dep)
                    self.program_neighbours[dep].add(reg.urn)

    def _tf_graph(self) -> dict[str, set[str]]:
        """Which instances reference which: an attribute value equal to another's id or ARN."""
        owner: dict[str, set[str]] = {}
        for i in self.instances:
            for key in ("id", "arn"):
                value = i.attributes.get(key)
                if isinstance(value, str) and len(value) > 6:
                    owner.setdefault(value, set()).add(i.address)
        graph: dict[str, set[str]] = {i.address: set() for i in self.instances}
        for i in self.instances:
            for value in _strings(i.attributes):
                for other in owner.get(value, ()):
                    if other != i.address:
                        graph[i.address].add(other)
                        graph[other].add(i.address)
        return graph

    def region_of(self, instance: TfInstance) -> str:
        return instance.region(self.regions.get(instance.provider_alias, self.region))

    def candidates(self, instance: TfInstance) -> list[Registration]:
        token = pulumi_type_of()[instance.type]
        region = self.region_of(instance)
        mine = role(token, self.props[instance.address])
        return [r for u, r in self.by_urn.items() if r.type == token and u not in self.claimed
                and (r.region or self.region) == region and role(token, r.inputs) in ((), mine)]

    def claim(self, instance: TfInstance, found: list[Registration], how: str,
              pending: dict[str, list[TfInstance]]) -> None:
        if len(found) > 1:
            raise AdoptError(f"{instance.address} matches {len(found)} resources of this program ("
                             f"{', '.join(r.name for r in found)}) by {how}: name it in the state or the program "
                             "so that one matches")
        if found:
            pending.setdefault(found[0].urn, []).append(instance)

    def settle(self, pending: dict[str, list[TfInstance]], how: str) -> None:
        for urn, claimants in pending.items():
            if len(claimants) > 1:
                raise AdoptError(f"{' and '.join(c.address for c in claimants)} both match {self.by_urn[urn].name} "
                                 f"({self.by_urn[urn].type}) by {how}: one Terraform resource per program resource")
            self.claimed[urn] = claimants[0]
            self.found[claimants[0].address] = Match(claimants[0], self.by_urn[urn], how)

    def open(self) -> list[TfInstance]:
        return [i for i in self.instances if i.address in self.props and i.address not in self.found]

    def by_identity(self) -> None:
        pending: dict[str, list[TfInstance]] = {}
        for i in self.open():
            keys = IDENTITY.get(pulumi_type_of()[i.type], [])
            mine = self.props[i.address]
            found = [r for r in self.candidates(i) for key in keys
                     if all(_same(mine.get(k), r.inputs.get(k)) or (mine.get(k) is None and r.inputs.get(k) is None)
                            for k in key) and any(mine.get(k) is not None for k in key)]
            self.claim(i, list({r.urn: r for r in found}.values()), "identifying attributes", pending)
        self.settle(pending, "identifying attributes")

    def by_name(self) -> None:
        pending: dict[str, list[TfInstance]] = {}
        for i in self.open():
            mine = {stem(n, self.noise) for n in _names(self.props[i.address])} - {()}
            found = [r for r in self.candidates(i) if mine & {stem(n, self.noise) for n in _names(r.inputs)}]
            self.claim(i, found, "name", pending)
        self.settle(pending, "name")

    def by_kind(self) -> None:
        pending: dict[str, list[TfInstance]] = {}
        open_ = self.open()
        for i in open_:
            token = pulumi_type_of()[i.type]
            if token not in SINGLETONS:
                continue
            mine = role(token, self.props[i.address])
            rivals = [o for o in open_ if o.type == i.type and self.region_of(o) == self.region_of(i)
                      and role(token, self.props[o.address]) == mine]
            found = self.candidates(i)
            if len(rivals) == 1 and len(found) == 1:
                self.claim(i, found, "the only one of its kind", pending)
        self.settle(pending, "the only one of its kind")

    def by_graph(self) -> bool:
        pending: dict[str, list[TfInstance]] = {}
        for i in self.open():
            near = [self.found[n].registration.urn for n in self.neighbours[i.address] if n in self.found]
            if not near:
                continue
            # The candidate next to most of them: a neighbour that changed too (the program's own
            # certificate, subnets of another tier) does not veto the rest.
            score = {r.urn: sum(r.urn in self.program_neighbours[u] for u in near) for r in self.candidates(i)}
            best = max(score.values(), default=0)
            top = [u for u, n in score.items() if n == best]
            if best and len(top) > 1:  # several next to the same ones: the one most alike
                alike = {u: _alike(self.props[i.address], self.by_urn[u].inputs) for u in top}
                top = [u for u in top if alike[u] == max(alike.values())]
            if best and len(top) == 1:
                self.claim(i, [self.by_urn[top[0]]], "its mapped neighbours", pending)
        self.settle(pending, "its mapped neighbours")
        return bool(pending)


def _alike(theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> int:
    """How many values two resources share, at any depth (a listener rule's path pattern)."""
    def leaves(props: Mapping[str, Any]) -> set[str]:
        return set(_strings({k: v for k, v in props.items() if k not in ("tags", "tagsAll")}))
    return len(leaves(theirs) & leaves(ours))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def map_state(run: StackRun, instances: Sequence[TfInstance], region: str,
              owners: Mapping[str, str] | None = None) -> StateMapping:
    """Each Terraform instance's resource in this program, or why it has none."""
    if not any(i.type in pulumi_type_of() for i in instances):
        raise AdoptError("the state holds no resource this program knows (" +
                         ", ".join(sorted({i.address for i in instances})[:5]) + (", …" if len(instances) > 5 else "")
                         + "): is it the deployment's state?")
    noise = _NOISE | set(stem(run.stack, set())) | set(stem(project_name(), set()))
    mapper = _Mapper(run, instances, region, noise)
    mapper.by_identity()
    mapper.by_name()
    mapper.by_kind()
    while mapper.by_graph():
        pass
    result = StateMapping(matches=sorted(mapper.found.values(), key=lambda m: m.instance.address))
    for i in instances:
        if i.address in mapper.found:
            continue
        if i.type not in pulumi_type_of():
            result.unknown_types.append(i)
        elif mapper.region_of(i) != region and (owners or {}).get(mapper.region_of(i)):
            result.elsewhere[i.address] = (owners or {})[mapper.region_of(i)]
        else:
            result.unmatched.append(i)
    return result


def region_owners(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """Region -> the stack of this project that owns it, for the stacks tied to `stack` (its DR
    stack, or the stack it protects)."""
    def read(name: str) -> dict[str, Any]:
        return (yaml.safe_load((project_dir / f"Pulumi.{name}.yaml").read_text()) or {}).get("config") or {}

    project = project_name(project_dir)
    own = read(stack)
    found = {}
    for other in available_stacks(project_dir):
        cfg = read(other)
        if other != stack and (cfg.get(f"{project}:standbyFor") == stack or own.get(f"{project}:standbyFor") == other):
            found[str(cfg.get("aws:region", "us-east-1"))] = other
    return found


def lookups(instances: Sequence[TfInstance]) -> dict[tuple[str, str], dict[str, Any]]:
    """What the deployed account answers to the program's lookups: its hosted zones by name."""
    found = {}
    for i in instances:
        if i.type == "aws_route53_zone" and not (i.attributes.get("vpc") or []):
            a = i.attributes
            name = str(a.get("name", "")).rstrip(".")
            found["aws:route53/getZone:getZone", name] = {
                "name": name, "zoneId": a.get("zone_id"), "id": a.get("zone_id"), "arn": a.get("arn"),
                "nameServers": a.get("name_servers") or [], "privateZone": False}
    return found


# --- the import file ----------------------------------------------------------------------------


def _variable(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "resource"


def import_file(run: StackRun, mapping: StateMapping, plugin_version: str) -> dict[str, Any]:
    """`pulumi import --file` input: each mapped resource under its URN's parent chain (the
    program's components created empty by the import, as Pulumi 3.94+ does), with its provider."""
    by_urn = {r.urn: r for r in run.resources}
    providers = {}
    parents: dict[str, Registration] = {}
    for m in mapping.matches:
        reg = m.registration
        provider_urn = reg.provider.rsplit("::", 1)[0] if reg.provider else ""
        if provider_urn:
            providers[provider_urn] = provider_urn.split("::")[-1]
        parent = by_urn.get(reg.parent)
        while parent is not None and parent.type != "pulumi:pulumi:Stack":
            parents[parent.urn] = parent
            parent = by_urn.get(parent.parent)

    # Entry names are unique in the file (parents refer to them): a component and its resource may
    # share a logical name (the `assets` SecureBucket and its `assets` bucket).
    listed = [*parents.values(), *(m.registration for m in mapping.matches)]
    taken = [_variable(r.name) for r in listed]
    variable = {r.urn: _variable(r.name) if taken.count(_variable(r.name)) == 1
                else f"{_variable(r.name)}_{r.type.split(':')[-1].lower()}" for r in listed}

    def parent_of(reg: Registration) -> dict[str, str]:
        parent = by_urn.get(reg.parent)
        return {"parent": variable[parent.urn]} if parent is not None and parent.type != "pulumi:pulumi:Stack" else {}

    entries: list[dict[str, Any]] = []
    for reg in sorted(parents.values(), key=lambda r: r.urn.count("$")):
        entries.append({"type": reg.type, "name": variable[reg.urn], "logicalName": reg.name, "component": True,
                        **parent_of(reg)})
    for m in mapping.matches:
        reg = m.registration
        provider_urn = reg.provider.rsplit("::", 1)[0] if reg.provider else ""
        entries.append({"type": reg.type, "name": variable[reg.urn], "logicalName": reg.name,
                        "id": import_id(reg.type, m.instance), **parent_of(reg),
                        **({"provider": _variable(providers[provider_urn])} if provider_urn else {}),
                        "version": plugin_version})
    return {"nameTable": {_variable(name): urn for urn, name in sorted(providers.items())}, "resources": entries}


# --- the prior state the first `up` meets -------------------------------------------------------

# Sensitive inputs the AWS API never returns: an import has no value for them, so the first `up`
# sets the program's (and says so).
NOT_READ_BACK = {"aws_db_instance": frozenset({"password"}),
                 "aws_elasticache_replication_group": frozenset({"auth_token"})}


def adopted_base(mapping: StateMapping) -> dict[str, changes.BaseResource]:
    """The stack as `pulumi import` leaves it: each mapped resource's Terraform attributes in
    Pulumi's shape, restricted to what the program sets or would take away."""
    base = {}
    for m in mapping.matches:
        reg = m.registration
        shape = pulumi_shape(m.instance, reg.type, NOT_READ_BACK.get(m.instance.type, frozenset()))
        removable = {k for k in shape.inputs if _engine_in(k, optional_only(m.instance.type), reg.type)}
        # What the program leaves unset keeps its value, except a list or map a config alone fills
        # (a scalar may be the provider's default, which the schema does not carry).
        inputs = {k: v for k, v in shape.inputs.items()
                  if k in reg.inputs or (k in removable and isinstance(v, (list, dict)) and v)}
        for key, ours in reg.inputs.items():
            theirs = inputs.get(key)
            # The provider compares a partial engine version with the running one ("8.0" is 8.0.35)
            # and a boolean with Terraform's string form of it.
            if key == "engineVersion" and isinstance(theirs, str) and isinstance(ours, str) \
                    and theirs.startswith(ours + "."):
                inputs[key] = ours
            elif isinstance(ours, bool) and theirs in ("true", "false"):
                inputs[key] = theirs == "true"
        base[reg.urn] = changes.BaseResource(reg.urn, reg.type, inputs, protect=True, secret_inputs=shape.secret,
                                             id=m.instance.id, outputs=shape.outputs)
    return base


def _engine_in(engine: str, tf_names: set[str], token: str) -> bool:
    from .terraform import _engine_name, resource_classes

    args = resource_classes(token)[1]
    return any(_engine_name(tf, args) == engine for tf in tf_names)


def as_export(stack: str, project: str, base: Mapping[str, changes.BaseResource]) -> dict[str, Any]:
    """The adopted state as a `pulumi stack export` (version 3): `preview --against` reads it."""
    return {"version": 3, "deployment": {"manifest": {"time": "", "magic": "", "version": ""}, "resources": [
        {"urn": r.urn, "custom": True, "type": r.type, "id": r.id, "inputs": r.inputs, "outputs": r.outputs,
         "protect": r.protect} for r in base.values()]}}


# --- what the first `up` does, and the ways around what it must not do ---------------------------

# (type, the input forcing a replacement) -> how to keep the resource, or move its data.
WAYS_OUT: dict[tuple[str, str], str] = {
    ("aws:rds/instance:Instance", "kmsKeyId"):
        "keep the instance's key: config adoptedDatabase.kmsKeyArn = {before}; move to the program's key later "
        "by snapshot, copy-snapshot with the new key, restore, cut over (downtime: the restore, ~30-60 min per "
        "100 GiB)",
    ("aws:rds/instance:Instance", "username"):
        "keep the master user: config adoptedDatabase.username = {before} (RDS cannot rename it)",
    ("aws:rds/instance:Instance", "dbName"):
        "the program's database name is elite_locadora; a different one is moved with mysqldump/DMS into a new "
        "instance (downtime: the final sync) — or create elite_locadora in the existing instance first",
    ("aws:rds/instance:Instance", "storageEncrypted"):
        "encrypt by snapshot, copy-snapshot with encryption, restore, cut over (downtime: the restore)",
    ("aws:rds/instance:Instance", "availabilityZone"):
        "a Multi-AZ instance has no fixed zone: the program sets none, so the change comes from a replica's zone "
        "— set readReplicas[].availabilityZone = {before}",
    ("aws:s3/bucket:Bucket", "bucket"):
        "keep the bucket: config adoptedAssetsBucket = {before} (S3 cannot rename a bucket); or copy the objects "
        "with S3 Batch Operations into the program's bucket, switch CloudFront and the services, then empty the old",
    ("aws:elasticache/replicationGroup:ReplicationGroup", "*"):
        "the cache holds sessions and the job queue: in the cut-over window stop the workers once the queue is "
        "empty (`php artisan queue:work --stop-when-empty`), let the program create the new group (~15 min), "
        "redeploy the services; users sign in again",
    ("aws:ecr/repository:Repository", "name"):
        "the images are rebuilt by CI: push the running tag to the program's repository before the cut-over "
        "(`crane copy {value}:<tag> <new repository>:<tag>`), then delete the old repository",
    ("aws:ssm/parameter:Parameter", "name"):
        "the program writes its own value at the new name; the old parameter is deleted after the cut-over",
    ("aws:cloudwatch/logGroup:LogGroup", "*"):
        "keep the old group out of both tools until its retention passes (audit evidence); the program's group "
        "takes new logs",
    ("aws:kms/key:Key", "*"): "schedule the old key's deletion only after nothing is encrypted with it",
}
# Expected downtime of a stateful replacement done the way WAYS_OUT says, for the plan's summary.
DOWNTIME = {
    "aws:rds/instance:Instance": (45, "database restore from snapshot"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (15, "new cache group; sessions lost"),
    "aws:s3/bucket:Bucket": (10, "final S3 sync and CloudFront switch"),
}
# In-place changes an adopted resource takes that a reviewer must hear (beyond changes.EFFECTS).
ADOPTION_EFFECTS = {
    ("aws:rds/instance:Instance", "password"):
        "the master password is reset to the program's generated one (an import cannot read it back): the "
        "services must start from the program's task definitions, which read it from SSM, in the same window",
    ("aws:elasticache/replicationGroup:ReplicationGroup", "authToken"):
        "the AUTH token is rotated to the program's (an import cannot read it back); with ROTATE both work until "
        "the services restart",
}


def way_out(change: changes.Change, base: changes.BaseResource) -> list[str]:
    found: list[str] = []
    for reason in change.reasons:
        text = WAYS_OUT.get((change.type, reason))
        before = base.inputs.get(reason)
        if text:
            found.append(f"{reason}: " + text.replace("{before}", json.dumps(before) if before is not None else "?")
                         .replace("{value}", str(before) if before is not None else "?"))
    generic = WAYS_OUT.get((change.type, "*"))
    if generic and (not found or len(found) < len(change.reasons)):
        found.append(generic)  # once, however many inputs force it
    if not found:
        found.append("no way to keep it: move the data by the runbook (docs/runbooks.md, \"Adopting the "
                     "Terraform deployment\") and acknowledge the replacement")
    return found


def major_upgrades(plan: Sequence[changes.Change]) -> list[str]:
    """RDS refuses a major engine upgrade unless allowMajorVersionUpgrade is set: say so now."""
    found = []
    for c in plan:
        for p in c.properties:
            if c.type == "aws:rds/instance:Instance" and p.name == "engineVersion" and p.status == "changed":
                old, new = str(p.before).split(".")[:2], str(p.after).split(".")[:2]
                if old != new:
                    found.append(f"{c.name}: engineVersion {p.before} -> {p.after} is a major upgrade; RDS refuses it "
                                 "without allowMajorVersionUpgrade and takes the instance down for it (~10-20 min): "
                                 f"adopt at config dbEngineVersion = {'.'.join(old)}, then upgrade with a blue/green "
                                 "deployment")
    return found


@dataclass
class Decision:
    what: str
    why: str


# What Terraform managed that this program does not, and what becomes of it.
DECISIONS: dict[str, Decision] = {
    "aws_cloudfront_origin_access_identity": Decision(
        "delete after cut-over", "the program's distribution reads the bucket through an origin access control "
        "(edge-assets-oac); delete the OAI once no distribution and no bucket policy names it"),
    "aws_default_network_acl": Decision(
        "keep out of both tools", "a VPC's default NACL cannot be deleted; `terraform state rm` leaves it as it is"),
    "aws_default_route_table": Decision(
        "keep out of both tools", "the VPC's main route table: every subnet of the program has its own"),
    "aws_route_table": Decision("delete after cut-over", "replaced by the program's route tables (per zone for NAT)"),
    "aws_route": Decision("delete after cut-over", "its route table is replaced by the program's"),
    "aws_cloudwatch_metric_alarm": Decision(
        "delete after cut-over",
        "replaced by the program's alarms (observability tier), which notify the on-call topic"),
    "aws_iam_role": Decision(
        "delete after cut-over", "replaced by the program's per-service least-privilege roles; delete once no task "
        "definition names it"),
    "aws_iam_role_policy_attachment": Decision("delete after cut-over", "goes with its role"),
    "aws_security_group": Decision(
        "delete after cut-over", "replaced by the program's security groups (rules as separate resources); AWS "
        "refuses the deletion while a network interface still uses it"),
    "aws_cloudwatch_log_group": Decision(
        "keep out of both tools until its retention passes", "audit evidence; the program's groups take new logs"),
    "aws_route53_zone": Decision(
        "keep out of both tools", "the program looks the zone up by domainName (createHostedZone false); its name "
        "servers stay delegated at the registrar"),
    "aws_db_subnet_group": Decision("delete after cut-over", "replaced by the program's subnet group"),
    "aws_ecr_lifecycle_policy": Decision("delete with its repository", "the program's repositories carry their own"),
    "aws_db_instance": Decision("adopt into its stack or delete", "no database of this stack has its role"),
}


def decision(instance: TfInstance) -> Decision:
    return DECISIONS.get(instance.type, Decision(
        "decide before cut-over", "no counterpart in this program: delete it after cut-over if it is no longer "
        "needed, or `terraform state rm` it and keep it out of both tools"))


CUT_OVER = (
    "freeze Terraform applies (lock the pipeline) and back up the state: `terraform state pull > pre-adoption.tfstate`",
    "create the stack and its providers: `pulumi stack init {stack}` with the stack file, then `pulumi up --target` "
    "the provider URNs of the import file's nameTable",
    "adopt: `pulumi import --file {import_file} --stack {stack} --protect`",
    "preview: `pulumi preview --stack {stack} --policy-pack policies` — every replacement listed here, none of "
    "stateful data unacknowledged",
    "cut over in the maintenance window: `pulumi up --stack {stack}` (new network paths and services first, the "
    "database and cache changes last); expected downtime {downtime}",
    "release from Terraform what moved: `terraform state rm` each adopted address (listed below), then delete what "
    "is marked \"delete after cut-over\" with `terraform destroy -target` one address at a time",
    "retire the state bucket elite-locadora-terraform-state and the terraform-state-lock table once `terraform "
    "state list` is empty (keep a copy of the last state with the audit records)",
)


def adoption_downtime(plan: Sequence[changes.Change]) -> str:
    steps = [DOWNTIME[c.type] for c in plan if c.kind == "replace" and c.type in DOWNTIME]
    if any(c.type == "aws:rds/instance:Instance" and c.kind == "update"
           and any(p.name in ("instanceClass", "multiAz") for p in c.properties) for c in plan):
        steps.append((2, "Multi-AZ failover for the database's class change"))
    if not steps:
        return "none expected (in-place updates only)"
    minutes, why = max(steps)
    return f"~{minutes} min ({why}; the other steps run inside it)"


def dropped_statements(base: changes.BaseResource, reg: Registration) -> list[str]:
    """Bucket-policy statements (by Sid) the deployment has and the program does not."""
    def sids(policy: Any) -> dict[str, Any]:
        try:
            doc = json.loads(policy) if isinstance(policy, str) else policy
        except json.JSONDecodeError:
            return {}
        statements = (doc or {}).get("Statement") or []
        return {s.get("Sid") or json.dumps(s, sort_keys=True)[:60]: s for s in statements if isinstance(s, dict)}

    ours = sids(reg.inputs.get("policy"))
    return [sid for sid in sids(base.inputs.get("policy")) if sid not in ours]


@dataclass
class Adoption:
    mapping: StateMapping
    base: dict[str, changes.BaseResource]
    plan: list[changes.Change]
    findings: list[str]  # stateful replacements nobody acknowledged (each with its way out)
    acknowledged: list[str]
    ways_out: dict[str, list[str]]  # logical name -> how to avoid or carry out its replacement
    warnings: list[str]  # what `up` would refuse or what the operator must hear
    statements: list[str]  # bucket-policy statements the program drops
    downtime: str


def plan_adoption(mapping: StateMapping, matched_run: StackRun, after: Callable[[dict[str, Any]], StackRun],
                  allowed: Mapping[str, str]) -> Adoption:
    """The first `up` after the import: the program run against the adopted state."""
    base = adopted_base(mapping)
    run = after(changes.prior_state(base) or {})
    plan = changes.diff(run, base)
    for c in plan:
        # An input unknown until `up` comes from a resource the program creates, so it cannot be
        # the existing one: after an import, a replacing input that is unknown does replace.
        forced = [p.name for p in c.properties if p.replaces and p.status == "unknown" and p.before is not None]
        if c.kind in ("update", "replace") and forced:
            c.kind, c.reasons, c.may_replace = "replace", [*c.reasons, *forced], False
    for c in plan:
        for p in c.properties:
            effect = ADOPTION_EFFECTS.get((c.type, p.name))
            if effect and p.status == "secret":
                c.effects.append(effect)
    findings, acknowledged, _ = changes.guard(plan, allowed)
    ways = {c.name: way_out(c, base[c.urn]) for c in plan if c.kind == "replace" and c.stateful}
    findings = [f"{line} Ways out: {' | '.join(ways[name])}" for line in findings
                for name in [next(n for n in ways if f" of {n} (" in line)]]
    by_urn = {r.urn: r for r in matched_run.resources}
    statements = [f"{c.name}: statement {sid} is removed" + (
        " (the program serves static/* through CloudFront's origin access control, never publicly)"
        if sid.lower().startswith("public") else "")
        for c in plan if c.type == "aws:s3/bucketPolicy:BucketPolicy" and c.urn in by_urn and c.urn in base
        for sid in dropped_statements(base[c.urn], by_urn[c.urn])]
    return Adoption(mapping, base, plan, findings, acknowledged, ways, major_upgrades(plan), statements,
                    adoption_downtime(plan))
