"""Create-time constraints: VPC: CIDR blocks and security-group rule quotas."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..mocks import MANAGED_PREFIX_LIST_ENTRIES
from .base import (
    Finding,
    Registered,
    _str,
    _targets,
    constraint,
    stack_constraint,
)

VPC_QUOTAS = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups"
RULES_PER_GROUP = 60


@stack_constraint("security-group-rule-quota", rule=f"at most {RULES_PER_GROUP} inbound and {RULES_PER_GROUP} "
                  "outbound rules per group and IP version; a rule naming a prefix list counts its maximum entries",
                  fix="reference a security group instead of CIDRs, or split the rules over groups",
                  reference=VPC_QUOTAS)
def _rule_quota(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    by_urn = {r.urn: r for r in resources}
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    directions = {"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "inbound",
                  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "outbound"}
    for reg in resources:
        direction = directions.get(reg.type)
        if direction is None:
            continue
        prefix_list = reg.inputs.get("prefixListId")
        weight = MANAGED_PREFIX_LIST_ENTRIES.get(prefix_list, 1) if isinstance(prefix_list, str) else 1
        family = "IPv6" if reg.inputs.get("cidrIpv6") else "IPv4"
        for group in _targets(reg, "securityGroupId", by_urn):
            counts[(group.urn, direction, family)] += weight
    for (urn, direction, family), count in counts.items():
        if count > RULES_PER_GROUP:
            yield by_urn[urn], (f"{direction} {family} rules", count, f"above {RULES_PER_GROUP}")


@constraint("vpc-cidr-size", ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet"], rule="an IPv4 block between /16 and /28",
            fix="use a /16 to /28 block", reference="https://docs.aws.amazon.com/vpc/latest/userguide/"
            "vpc-cidr-blocks.html")
def _cidr(props: Mapping[str, Any]) -> Iterable[Finding]:
    cidr = _str(props.get("cidrBlock"))
    if cidr and "/" in cidr and not 16 <= int(cidr.rsplit("/", 1)[1]) <= 28:
        yield "cidrBlock", cidr, "prefix outside /16-/28"
