"""Multi-AZ: databases, caches, search, the VPC, the load balancer, and service task counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity

from . import _types as t
from ._framework import UNKNOWN, Setting, as_list, depends_on, get, known, number, of_type, resource_rule, stack_rule

MIN_ZONES = {"minZones": Setting(2, {"type": "integer", "minimum": 2, "maximum": 6},
                                 "availability zones required (production: 3)")}


@resource_rule("rds-multi-az", family="availability", types=[t.RDS_INSTANCE], control="RDS.5",
               description="Checks whether RDS primaries run Multi-AZ (read replicas are exempt).",
               message="Set multi_az=True on the RDS primary")
def rds_multi_az(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "replicateSourceDb"):
        return None
    return None if get(props, "multiAz") is True else "multiAz is not true"


@resource_rule("elasticache-multi-az-failover", family="availability", types=[t.REDIS_GROUP], control="ElastiCache.3",
               description="Checks whether Redis replication groups fail over automatically across AZs "
                           "with enough nodes.",
               message="Set automatic_failover_enabled=True, multi_az_enabled=True and num_cache_clusters >= minNodes",
               settings={"minNodes": Setting(2, {"type": "integer", "minimum": 2}, "nodes required in the group")})
def elasticache_failover(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "automaticFailoverEnabled") is not True:
        yield "automaticFailoverEnabled is not true"
    if get(props, "multiAzEnabled") is not True:
        yield "multiAzEnabled is not true"
    nodes = number(get(props, "numCacheClusters"))
    if nodes is not None and nodes < config["minNodes"]:
        yield f"{nodes:.0f} nodes < {config['minNodes']}"


@resource_rule("opensearch-zone-awareness", family="availability", types=t.OPENSEARCH, control=("OpenSearch.6", "ES.6"),
               description="Checks whether OpenSearch domains spread at least three data nodes across zones.",
               message="Set cluster_config.zone_awareness_enabled=True with instance_count >= 3")
def opensearch_zone_awareness(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "clusterConfig", "zoneAwarenessEnabled") is not True:
        yield "zoneAwarenessEnabled is not true"
    count = number(get(props, "clusterConfig", "instanceCount", default=1))
    if count is not None and count < 3:
        yield f"{count:.0f} data nodes"


@stack_rule("vpc-spans-multiple-azs", judges=[t.VPC, t.AWSX_VPC], family="availability", settings=MIN_ZONES,
            description="Checks whether each VPC has subnets in at least minZones availability zones "
                        "(plain subnets, or an awsx VPC's zone settings).",
            message="Spread the VPC's subnets over more availability zones (azCount)")
def vpc_zones(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    zones: dict[str, set[str]] = {v.urn: set() for v in of_type(resources, t.VPC)}
    undecided: set[str] = set()
    for subnet in of_type(resources, t.SUBNET):
        zone = known(subnet.props, "availabilityZone", unknown=UNKNOWN)
        for vpc in depends_on(subnet, "vpcId"):
            if zone is UNKNOWN:
                undecided.add(vpc.urn)  # zones known only after `up`: not judged
            elif zone and vpc.urn in zones:
                zones[vpc.urn].add(zone)
    for urn, found in zones.items():
        if urn not in undecided and len(found) < config["minZones"]:
            yield urn, f"subnets in {len(found)} zone(s)"
    for vpc in of_type(resources, t.AWSX_VPC):
        names = known(vpc.props, "availabilityZoneNames", unknown=["?"] * 6)
        count = len(as_list(names)) or number(known(vpc.props, "numberOfAvailabilityZones", default=3, unknown=6))
        if count is not None and count < config["minZones"]:
            yield vpc.urn, f"awsx VPC over {count:.0f} zone(s)"


@resource_rule("alb-multi-az", family="availability", types=t.LOAD_BALANCERS, control="ELB.13", settings=MIN_ZONES,
               description="Checks whether load balancers span at least minZones subnets (one per zone).",
               message="Place the load balancer in one public subnet per availability zone")
def alb_multi_az(props: Mapping[str, Any], config: Mapping[str, Any]):
    subnets = as_list(get(props, "subnets")) or as_list(get(props, "subnetMappings"))
    return None if len(subnets) >= config["minZones"] else f"{len(subnets)} subnet(s)"


@resource_rule("ecs-service-minimum-tasks", family="availability", types=[t.ECS_SERVICE], severity=Severity.MEDIUM,
               description="Checks whether ECS services run at least minTasks tasks.",
               message="Raise desiredCount (and the service's minCount) to at least minTasks",
               settings={"minTasks": Setting(1, {"type": "integer", "minimum": 0},
                                             "tasks per service (production: 2)")})
def ecs_min_tasks(props: Mapping[str, Any], config: Mapping[str, Any]):
    desired = number(get(props, "desiredCount", default=1))
    return None if desired is None or desired >= config["minTasks"] else f"desiredCount {desired:.0f}"


@resource_rule("route53-primary-failover-health-checked", family="availability", types=[t.ROUTE53_RECORD],
               description="Checks whether a PRIMARY failover record has a health check or evaluates its alias "
                           "target's health (without either, Route 53 never fails over from it).",
               message="Give the PRIMARY record health_check_id (or an alias with evaluate_target_health=True)")
def route53_primary_health_checked(props: Mapping[str, Any], config: Mapping[str, Any]):
    policies = known(props, "failoverRoutingPolicies", default=[], unknown=[])
    if not any(isinstance(p, Mapping) and p.get("type") == "PRIMARY" for p in as_list(policies)):
        return None
    if get(props, "healthCheckId"):
        return None  # an id, or one unknown until `up`
    aliases = known(props, "aliases", default=[], unknown=None)
    if aliases is None or any(isinstance(a, Mapping) and a.get("evaluateTargetHealth") is True
                              for a in as_list(aliases)):
        return None
    return "PRIMARY failover record without a health check"


POLICIES = [rds_multi_az, elasticache_failover, opensearch_zone_awareness, vpc_zones, alb_multi_az, ecs_min_tasks,
            route53_primary_health_checked]
