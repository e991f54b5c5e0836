"""Create-time constraints: ECS task definitions and services (Fargate)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from components.config import (
    FARGATE_MEMORY,
)

from .base import (
    Finding,
    _list,
    _num,
    constraint,
)


@constraint("ecs-task-size", ["aws:ecs/taskDefinition:TaskDefinition"], rule="a Fargate task's CPU and memory "
            "from AWS's table of combinations", fix="pick a listed CPU/memory pair",
            reference="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html"
                      "#fargate-tasks-size")
def _task_size(props: Mapping[str, Any]) -> Iterable[Finding]:
    if "FARGATE" not in _list(props.get("requiresCompatibilities")):
        return
    cpu, memory = _num(props.get("cpu")), _num(props.get("memory"))
    if cpu is not None and memory is not None and int(memory) not in FARGATE_MEMORY.get(int(cpu), ()):
        yield "memory", memory, f"not valid with cpu {cpu:.0f}"


@constraint("ecs-service-settings", ["aws:ecs/service:Service"], rule="a health-check grace period only with a "
            "load balancer; minimum healthy 0-100 % and maximum at least 100 %", fix="drop the grace period "
            "or attach a target group; fix the deployment percentages",
            reference="https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html")
def _ecs_service(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("healthCheckGracePeriodSeconds") is not None and not _list(props.get("loadBalancers")):
        yield "healthCheckGracePeriodSeconds", props.get("healthCheckGracePeriodSeconds"), "no load balancer"
    low, high = _num(props.get("deploymentMinimumHealthyPercent")), _num(props.get("deploymentMaximumPercent"))
    if low is not None and not 0 <= low <= 100:
        yield "deploymentMinimumHealthyPercent", low, "outside 0-100"
    if high is not None and high < 100:
        yield "deploymentMaximumPercent", high, "below 100"
