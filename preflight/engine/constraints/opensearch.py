"""Create-time constraints: OpenSearch domains (CreateDomain)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    _get,
    _num,
    constraint,
)

OPENSEARCH = ["aws:opensearch/domain:Domain"]
OPENSEARCH_TLS = {"Policy-Min-TLS-1-0-2019-07", "Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"}
OPENSEARCH_API = "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_CreateDomain.html"


@constraint("opensearch-zones", OPENSEARCH, rule="zone awareness over 2 or 3 zones: data nodes a multiple of "
            "the zone count, one subnet per zone", fix="set instance_count to a multiple of "
            "availability_zone_count and pass exactly that many subnets",
            reference="https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-"
                      "multiaz.html")
def _opensearch_zones(props: Mapping[str, Any]) -> Iterable[Finding]:
    cluster = props.get("clusterConfig") or {}
    if cluster.get("zoneAwarenessEnabled") is not True:
        return
    zones = _num(_get(cluster, "zoneAwarenessConfig", "availabilityZoneCount")) or 2.0
    count = _num(cluster.get("instanceCount"))
    if zones not in (2.0, 3.0):
        yield "clusterConfig.zoneAwarenessConfig.availabilityZoneCount", zones, "not 2 or 3"
    if count is not None and count % zones:
        yield "clusterConfig.instanceCount", count, f"not a multiple of {zones:.0f} zones"
    subnets = _get(props, "vpcOptions", "subnetIds")
    if isinstance(subnets, list) and all(isinstance(s, str) for s in subnets) and len(subnets) != zones:
        yield "vpcOptions.subnetIds", len(subnets), f"{len(subnets)} subnets for {zones:.0f} zones"


@constraint("opensearch-dedicated-masters", OPENSEARCH, rule="dedicated master nodes: 3 or 5, with a type",
            fix="set dedicated_master_count to 3 (or 5) and dedicated_master_type",
            reference="https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-"
                      "dedicatedmasternodes.html")
def _opensearch_masters(props: Mapping[str, Any]) -> Iterable[Finding]:
    cluster = props.get("clusterConfig") or {}
    if cluster.get("dedicatedMasterEnabled") is True:
        count = _num(cluster.get("dedicatedMasterCount"))
        if count not in (3.0, 5.0):
            yield "clusterConfig.dedicatedMasterCount", count, "not 3 or 5"
        if not cluster.get("dedicatedMasterType"):
            yield "clusterConfig.dedicatedMasterType", None, "missing"


@constraint("opensearch-security", OPENSEARCH, rule="fine-grained access control needs node-to-node "
            "encryption, encryption at rest and HTTPS; the TLS policy one AWS offers",
            fix="enable node_to_node_encryption, encrypt_at_rest, enforce_https and pick a listed TLS policy",
            reference=OPENSEARCH_API)
def _opensearch_security(props: Mapping[str, Any]) -> Iterable[Finding]:
    policy = _get(props, "domainEndpointOptions", "tlsSecurityPolicy")
    if isinstance(policy, str) and policy not in OPENSEARCH_TLS:
        yield "domainEndpointOptions.tlsSecurityPolicy", policy, f"not one of {sorted(OPENSEARCH_TLS)}"
    if _get(props, "advancedSecurityOptions", "enabled") is True:
        for path in (("nodeToNodeEncryption", "enabled"), ("encryptAtRest", "enabled"),
                     ("domainEndpointOptions", "enforceHttps")):
            if _get(props, *path) is not True:
                yield ".".join(path), _get(props, *path), "required by fine-grained access control"
