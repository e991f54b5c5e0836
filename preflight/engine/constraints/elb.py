"""Create-time constraints: Elastic Load Balancing: target groups, load balancers, listeners and their rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .base import (
    Finding,
    Registered,
    _num,
    constraint,
    stack_constraint,
)

ELB_API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"


@constraint("target-group-health-check", ["aws:lb/targetGroup:TargetGroup"], rule="interval 5-300 s, timeout "
            "2-120 s and below the interval, thresholds 2-10, deregistration delay 0-3600 s",
            fix="adjust the health check", reference=ELB_API + "API_CreateTargetGroup.html")
def _target_group(props: Mapping[str, Any]) -> Iterable[Finding]:
    check = props.get("healthCheck") or {}
    interval, timeout = _num(check.get("interval")), _num(check.get("timeout"))
    if interval is not None and not 5 <= interval <= 300:
        yield "healthCheck.interval", interval, "outside 5-300"
    if timeout is not None and (not 2 <= timeout <= 120 or (interval is not None and timeout >= interval)):
        yield "healthCheck.timeout", timeout, "outside 2-120 or not below the interval"
    for key in ("healthyThreshold", "unhealthyThreshold"):
        value = _num(check.get(key))
        if value is not None and not 2 <= value <= 10:
            yield f"healthCheck.{key}", value, "outside 2-10"
    delay = _num(props.get("deregistrationDelay"))
    if delay is not None and not 0 <= delay <= 3600:
        yield "deregistrationDelay", delay, "outside 0-3600"


@constraint("load-balancer-settings", ["aws:lb/loadBalancer:LoadBalancer"], rule="an application load balancer "
            "in subnets of at least 2 zones; idle timeout 1-4000 s", fix="give the ALB one subnet per zone "
            "(2 or more) and a valid idle timeout", reference=ELB_API + "API_CreateLoadBalancer.html")
def _load_balancer(props: Mapping[str, Any]) -> Iterable[Finding]:
    subnets = props.get("subnets")
    if props.get("loadBalancerType", "application") == "application" and isinstance(subnets, list) \
            and len(subnets) < 2:
        yield "subnets", len(subnets), "fewer than 2 zones"
    idle = _num(props.get("idleTimeout"))
    if idle is not None and not 1 <= idle <= 4000:
        yield "idleTimeout", idle, "outside 1-4000"


@constraint("listener-settings", ["aws:lb/listener:Listener"], rule="an HTTPS listener needs a certificate and a "
            "security policy; ports 1-65535", fix="set certificate_arn and ssl_policy on HTTPS listeners",
            reference=ELB_API + "API_CreateListener.html")
def _listener(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("protocol") == "HTTPS":
        for key in ("certificateArn", "sslPolicy"):
            if key not in props:
                yield key, None, "missing on an HTTPS listener"
    port = _num(props.get("port"))
    if port is not None and not 1 <= port <= 65535:
        yield "port", port, "outside 1-65535"


@stack_constraint("listener-rule-priorities", rule="listener rule priorities 1-50000, unique per listener",
                  fix="renumber the rules", reference=ELB_API + "API_CreateRule.html")
def _rule_priorities(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    seen: dict[tuple[Any, float], Registered] = {}
    for reg in resources:
        if reg.type != "aws:lb/listenerRule:ListenerRule":
            continue
        priority = _num(reg.inputs.get("priority"))
        if priority is None:
            continue
        if not 1 <= priority <= 50000:
            yield reg, ("priority", priority, "outside 1-50000")
        listener = tuple(reg.property_dependencies.get("listenerArn", [])) or str(reg.inputs.get("listenerArn"))
        if (listener, priority) in seen:
            yield reg, ("priority", priority, f"also used by {seen[(listener, priority)].name}")
        seen[(listener, priority)] = reg
