"""Helpers to run a policy outside the CLI, the way the analyzer does (props behind the SDK's
unknown-checking proxy, config per stack), for the pack's tests and the offline preflight."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from . import ALL_POLICIES

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
UNKNOWN = UNKNOWN_STRING_VALUE  # what the engine sends for a value unknown during preview


def policy(name: str) -> Policy:
    return next(p for p in ALL_POLICIES if p.name == name)


def stack_config(stack: str) -> dict[str, Any]:
    return json.loads((CONFIG_DIR / f"{stack}.json").read_text())


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect=protect, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[])


def violations(target: Policy, props: Mapping[str, Any] | None = None, *, resource_type: str = "",
               config: Mapping[str, Any] | None = None, resources: Sequence[PolicyResource] | None = None,
               ) -> list[str]:
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(f"{urn or ''} {message}".strip())

    settings = {k: v for k, v in (config or {}).items() if k != "enforcementLevel"}
    if isinstance(target, ResourceValidationPolicy):
        args = ResourceValidationArgs(resource_type, unknown_checking_proxy(dict(props or {})),
                                      f"urn:pulumi:test::p::{resource_type}::r", "r", options(), None, settings)
        target.validate(args, report)
    elif isinstance(target, StackValidationPolicy):
        target.validate(StackValidationArgs(list(resources or []), settings), report)
    return found


def resource(resource_type: str, name: str, props: Mapping[str, Any], *, protect: bool = False,
             property_dependencies: Mapping[str, Sequence[PolicyResource]] | None = None) -> PolicyResource:
    return PolicyResource(resource_type, unknown_checking_proxy(dict(props)),
                          f"urn:pulumi:test::p::{resource_type}::{name}", name, options(protect), None, None,
                          [r for deps in (property_dependencies or {}).values() for r in deps],
                          {k: list(v) for k, v in (property_dependencies or {}).items()})
