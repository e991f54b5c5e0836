"""Create-time constraints: Application Auto Scaling targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    _num,
    constraint,
)


@constraint("autoscaling-capacity", ["aws:appautoscaling/target:Target"], rule="min capacity at most max capacity",
            fix="raise maxCount or lower minCount", reference="https://docs.aws.amazon.com/autoscaling/"
            "application/APIReference/API_RegisterScalableTarget.html")
def _scaling(props: Mapping[str, Any]) -> Iterable[Finding]:
    low, high = _num(props.get("minCapacity")), _num(props.get("maxCapacity"))
    if low is not None and high is not None and low > high:
        yield "minCapacity", low, f"above maxCapacity {high:.0f}"
