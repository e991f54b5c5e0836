"""Reading `pulumi.Config` into the model: the raw values as the CLI hands them over, unknown keys
and plain-text secrets refused, one message per bad value, and the account guard."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pydantic import (
    ValidationError,
)
from pydantic.alias_generators import to_camel

from ..naming import stack_name_problem
from .model import SUPPLIED_SECRET_KEYS, Settings, StackConfig, SuppliedSecrets
from .stacks import _apply_dr_active, _check_assets_failover, _check_standby
from .values import PROJECT, ConfigError, _qualified


def _raw_value(cfg: pulumi.Config, key: str) -> Any:
    raw = cfg.get(key)
    if raw is None:
        return None
    try:
        return json.loads(raw) if raw[:1] in "[{" else raw
    except json.JSONDecodeError:
        return raw


def _as_written(value: Any) -> Any:
    # The CLI hands scalars over as strings; show 40 as 40, not '40'.
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        return parsed if isinstance(parsed, (int, float, bool)) else value
    return value


def _format(error: ValidationError, raw: dict[str, Any], stack: str, overlaid: frozenset[str] = frozenset()) -> str:
    lines = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"]]
        key = _qualified(loc[0]) if loc else PROJECT
        where = key + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        if loc and loc[0] in overlaid:
            where += " (as drActive sets it)"
        message = item["msg"].removeprefix("Value error, ")
        if message.startswith("@"):  # a model validator's error about one field of the entry
            field, _, message = message[1:].partition(" ")
            entry = item.get("input")
            where += f".{field}"
            lines.append(f"{where} = {_as_written(entry.get(field) if isinstance(entry, dict) else None)!r}: "
                         f"{message}")
            continue
        if message.startswith(PROJECT + ":") or message.startswith("aws:"):
            lines.append(message)
        elif item["type"] == "missing" and len(loc) == 1:
            lines.append(f"{where} is not set: declare it in Pulumi.yaml or Pulumi.{stack}.yaml")
        elif item["type"] == "missing":
            lines.append(f"{where} is required")
        else:
            value = _as_written(raw.get(loc[0]) if loc and len(loc) == 1 else item.get("input"))
            lines.append(f"{where} = {value!r}: {message}")
    return f"invalid configuration for stack {stack!r}:\n  " + "\n  ".join(lines)


def _aws_provider_keys() -> set[str]:
    """The AWS provider's own config keys (aws:region, aws:profile, aws:defaultTags …), from the
    pinned SDK's config module."""
    from pulumi_aws.config import vars as provider_config

    return {f"aws:{to_camel(name)}" for name, member in vars(provider_config._ExportableConfig).items()
            if isinstance(member, property)}


def _unknown_keys() -> list[str]:
    """Each key of the stack's config that nothing reads, with the nearest known key: a typo in
    a key (natStategy, aws:regoin, elitelocadora:natStrategy) would otherwise be ignored silently
    and its default used."""
    from difflib import get_close_matches

    from pulumi.runtime.config import CONFIG  # the SDK's own view of the stack's config

    known = {_qualified(to_camel(name) if field.alias is None else field.alias)
             for name, field in StackConfig.model_fields.items()}
    known |= {_qualified(k) for k in SUPPLIED_SECRET_KEYS} | _aws_provider_keys()
    found = []
    for key in sorted(CONFIG.get()):
        namespace = key.partition(":")[0]
        if key in known or namespace == "pulumi":
            continue
        if namespace not in (PROJECT, "aws"):
            # Another namespace: a misspelt project name most likely (nothing else is read).
            near = get_close_matches(_qualified(key.partition(":")[2]), sorted(known), n=1)
        else:
            near = get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        found.append(f"{key}" + (f" (did you mean {near[0]}?)" if near else ""))
    return found


def _plaintext_secrets() -> list[str]:
    """Supplied secrets written in plain text (a stack file's `key: sk_live_…`, not `secure:`)."""
    from pulumi.runtime.config import CONFIG, is_config_secret

    return [_qualified(k) for k in SUPPLIED_SECRET_KEYS
            if _qualified(k) in CONFIG.get() and not is_config_secret(_qualified(k))]



def require_account(settings: Settings, caller_account: str) -> str:
    """The account the credentials belong to, refused when the stack names another one."""
    expected = settings.config.account_id
    if not expected:
        pulumi.log.warn(f"{PROJECT}:accountId is not set for stack {settings.stack!r}: nothing stops these "
                        "credentials from deploying it into the wrong account (docs/runbooks.md, first deploy)")
    elif caller_account != expected:
        raise ConfigError(f"stack {settings.stack!r} belongs in account {expected} ({PROJECT}:accountId), but the "
                          f"credentials are for account {caller_account}: refusing to deploy")
    return caller_account


def load_stack_config() -> Settings:
    """Read and validate the stack's config; raise ConfigError before any resource exists."""
    stack = pulumi.get_stack()
    problem = stack_name_problem(stack)
    if problem:
        raise ConfigError(f"invalid stack name {stack!r}: {problem}")
    cfg, aws_cfg = pulumi.Config(PROJECT), pulumi.Config("aws")
    raw: dict[str, Any] = {}
    for name, field in StackConfig.model_fields.items():
        alias = field.alias or name
        namespace, _, key = alias.rpartition(":")
        value = _raw_value(aws_cfg if namespace == "aws" else cfg, key)
        if value is not None:
            raw[alias] = value
    unknown = _unknown_keys()
    if unknown:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  unknown key(s) "
                          f"{', '.join(unknown)}: not declared in Pulumi.yaml nor read by the AWS provider")
    plaintext = _plaintext_secrets()
    if plaintext:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {', '.join(plaintext)} is in plain text "
                          "in the stack's config: it must be a secret — remove it and run `pulumi config set "
                          f"--secret {plaintext[0].split(':', 1)[1]}` (then rotate it: it was readable)")
    overlaid = _apply_dr_active(raw, stack)
    try:
        model = StackConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format(exc, raw, stack, overlaid)) from None
    primary_region = _check_standby(stack, model) if model.standby_for else None
    secrets = SuppliedSecrets(cfg.get_secret("stripeSecretKey"),
                              cfg.get_secret("stripePublicKey"))
    if model.require_supplied_secrets:
        missing = [_qualified(k) for k, v in zip(SUPPLIED_SECRET_KEYS,
                                                 (secrets.stripe_secret_key,
                                                  secrets.stripe_public_key), strict=True) if v is None]
        if missing:
            raise ConfigError(
                f"invalid configuration for stack {stack!r}:\n  {', '.join(missing)} not set: "
                f"requireSuppliedSecrets is true; run `pulumi config set --secret <key>`")
    failover_region = _check_assets_failover(stack, model) if model.assets_failover_stack else None
    return Settings(stack=stack, config=model, secrets=secrets, primary_region=primary_region,
                    assets_failover_region=failover_region)
