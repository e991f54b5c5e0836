"""What the platform costs: prices (one file per region, `prices-<region>.json`, each price with
its date and source), usage assumptions (`usage.yaml`) and the rules that price each resource
(`cost.py`). The pack's `monthly-budget` policy and the preflight's `cost` command use the same
rules: they live here, in the pack, because a published pack carries only its own folder."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent


@cache
def prices(region: str) -> dict[str, Any]:
    path = DATA_DIR / f"prices-{region}.json"
    if not path.exists():
        raise LookupError(f"no price file for {region} (add policies/elite_policies/pricing/prices-{region}.json)")
    return json.loads(path.read_text())


@cache
def usage() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "usage.yaml").read_text())
