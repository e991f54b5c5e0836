"""Offline estimates from a stack's registered resources: monthly cost and first-deploy time.

Prices live in one file per region (`prices-<region>.json`, each price with its date and
source), usage assumptions in `usage.yaml`, typical creation times in `create-times.yaml`.
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
def usage() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "usage.yaml").read_text())


@cache
def create_times() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "create-times.yaml").read_text())


@cache
def update_times() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "update-times.yaml").read_text())


@cache
def recovery_times() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "recovery-times.yaml").read_text())
