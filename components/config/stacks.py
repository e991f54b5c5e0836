"""What other stacks say: another stack's file (a DR stack reads its primary's), the stacks of a
project, the drActive overlay, and the checks that name another stack (standbyFor,
assetsFailoverStack)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic.alias_generators import to_camel

from .model import StackConfig
from .values import DR_FIXED_KEYS, PROJECT, PROJECT_DIR, ConfigError, _with_suggestion


def stack_file_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Another stack's settings as its file and Pulumi.yaml's defaults give them (plain values,
    full keys). A DR stack reads its primary's this way: region and failover are settled before
    any resource, the StackReference then supplies what only a deployment knows."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise FileNotFoundError(path)
    values: dict[str, Any] = {}
    for key, decl in (yaml.safe_load((project_dir / "Pulumi.yaml").read_text()).get("config") or {}).items():
        if isinstance(decl, dict) and "default" in decl:
            values[key] = decl["default"]
        elif not isinstance(decl, dict):
            values[key] = decl
    values.update((yaml.safe_load(path.read_text()) or {}).get("config") or {})
    return values


def available_stacks(project_dir: Path = PROJECT_DIR) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def _overlay(base: Any, layer: Any) -> Any:
    """`layer` over `base`: objects merge key by key, lists of named objects (services) entry by
    entry on `name`, anything else is replaced."""
    if isinstance(base, dict) and isinstance(layer, dict):
        return {**base, **{k: _overlay(base.get(k), v) for k, v in layer.items()}}
    named = [x for x in (base or []) + (layer or []) if isinstance(x, dict) and "name" in x] \
        if isinstance(base, list) and isinstance(layer, list) else None
    if named is not None and len(named) == len(base) + len(layer):
        by_name = {item["name"]: item for item in layer}
        merged = [_overlay(item, by_name.pop(item["name"])) if item["name"] in by_name else item for item in base]
        return merged + list(by_name.values())
    return layer


def _apply_dr_active(raw: dict[str, Any], stack: str) -> frozenset[str]:
    """Lay drActive over the stack's values when drMode is active; the keys it changed."""
    layer = raw.get("drActive", {})
    if not isinstance(layer, dict):
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {PROJECT}:drActive = {layer!r}: must be "
                          "an object of config keys (without the project prefix) and their active values")
    settable = {field.alias or to_camel(name) for name, field in StackConfig.model_fields.items()} - \
        set(DR_FIXED_KEYS) - {"aws:region"}
    wrong = [_with_suggestion(k, settable) for k in sorted(layer) if k not in settable]
    if wrong:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {PROJECT}:drActive sets {', '.join(wrong)}: "
                          f"must be keys of this project other than {', '.join(DR_FIXED_KEYS)} and aws:region")
    if raw.get("drMode") != "active":
        return frozenset()
    for key, value in layer.items():
        raw[key] = _overlay(raw.get(key), value)
    return frozenset(layer)


def _check_standby(stack: str, model: StackConfig) -> str:
    """A DR stack's primary: a stack of this project, in another region, with origin failover.
    Returns the primary's region."""
    source = model.standby_for
    problem, region = None, ""
    if source == stack:
        problem = f"{PROJECT}:standbyFor = {source!r}: must name another stack (a stack cannot be its own standby)"
    else:
        try:
            primary = stack_file_config(source)
        except FileNotFoundError:
            primary = None
            problem = (f"{PROJECT}:standbyFor = {source!r}: must name a stack of this project with a stack file "
                       f"(Pulumi.{source}.yaml does not exist; stacks: {', '.join(available_stacks())})")
        if primary is not None:
            region = primary.get("aws:region", "us-east-1")
            if region == model.region:
                problem = (f"aws:region = {model.region!r}: must be a region other than the primary's: "
                           f"standbyFor {source!r} runs in {region} (a standby in the same region survives nothing)")
            elif primary.get(f"{PROJECT}:standbyFor"):
                problem = (f"{PROJECT}:standbyFor = {source!r}: must name a primary stack, and {source!r} is itself "
                           f"a DR stack (standbyFor {primary[f'{PROJECT}:standbyFor']!r})")
            elif primary.get(f"{PROJECT}:originFailover") is not True:
                problem = (f"{PROJECT}:standbyFor = {source!r}: must name a stack with originFailover: true (its "
                           "PRIMARY origin record and health check; Route 53 refuses a SECONDARY record beside a "
                           "simple one)")
            else:
                for key, mine in (("apiName", model.api_name), ("domainName", model.domain_name),
                                  ("siteNames", model.site_names)):
                    theirs = primary.get(f"{PROJECT}:{key}")
                    if theirs != mine:
                        problem = (f"{PROJECT}:{key} = {mine!r}: must equal the primary's ({theirs!r}): the failover "
                                   "record and the certificates serve the same names, validated by the primary's "
                                   "records")
    if problem:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {problem}")
    return region


def _check_assets_failover(stack: str, model: StackConfig) -> str:
    """The DR stack CloudFront falls back to must be this stack's standby. Returns its region."""
    name = model.assets_failover_stack
    try:
        standby = stack_file_config(name)
    except FileNotFoundError:
        standby = None
    problem = None
    if standby is None:
        problem = (f"must name a stack of this project with a stack file (Pulumi.{name}.yaml does not exist; "
                   f"stacks: {', '.join(available_stacks())})")
    elif standby.get(f"{PROJECT}:standbyFor") != stack:
        problem = f"must name this stack's standby (a stack with standbyFor: {stack}); {name!r} is not"
    if problem:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {PROJECT}:assetsFailoverStack = "
                          f"{name!r}: {problem}")
    return str(standby.get("aws:region", "us-east-1")) if standby else ""
