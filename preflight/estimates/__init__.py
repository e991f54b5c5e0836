"""Offline estimates from a stack's registered resources: monthly cost and first-deploy time.

Prices live in one file per region (`prices-<region>.json`, each price with its date and
source), usage assumptions in `usage.yaml`, typical creation and update times in
`create-times.yaml` and `update-times.yaml`, failover and replication times in `recovery-times.yaml`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent


@cache
def prices(region: str) -> dict[str, Any]:
    import json

    path = DATA_DIR / f"prices-{region}.json"
    if not path.exists():
        raise LookupError(f"no price file for {region} (add preflight/estimates/prices-{region}.json)")
    return json.loads(path.read_text())


@cache
def _data(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / name).read_text())


def usage() -> dict[str, Any]:
    return _data("usage.yaml")


def create_times() -> dict[str, Any]:
    return _data("create-times.yaml")


def update_times() -> dict[str, Any]:
    return _data("update-times.yaml")


def recovery_times() -> dict[str, Any]:
    """Failover times besides the DR stack's `up`, and replication delays (RPO), with sources."""
    return _data("recovery-times.yaml")
