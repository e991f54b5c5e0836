"""Offline estimates from a stack's registered resources: monthly cost and first-deploy time.

Prices, usage assumptions and the pricing rules are the policy pack's (`elite_policies.pricing`,
which the budget policy uses too); typical creation and update times live in
`create-times.yaml` and `update-times.yaml`, failover and replication times in `recovery-times.yaml`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent


@cache
def _data(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / name).read_text())


def create_times() -> dict[str, Any]:
    return _data("create-times.yaml")


def update_times() -> dict[str, Any]:
    return _data("update-times.yaml")


def recovery_times() -> dict[str, Any]:
    """Failover times besides the DR stack's `up`, and replication delays (RPO), with sources."""
    return _data("recovery-times.yaml")
