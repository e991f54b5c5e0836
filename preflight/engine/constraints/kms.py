"""Create-time constraints: KMS keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    _outside,
    constraint,
)


@constraint("kms-key-settings", ["aws:kms/key:Key"], rule="deletion window 7-30 days; rotation period "
            "90-2560 days", fix="set deletion_window_in_days and rotation_period_in_days within range",
            reference="https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html")
def _kms(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _outside(props, "deletionWindowInDays", 7, 30)
    yield from _outside(props, "rotationPeriodInDays", 90, 2560)
