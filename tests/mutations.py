"""The mutation suite: every mutation of the property map applied to a real stack run, and the
policy it names asked whether it notices. It is a floor for the pack, not its measure."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from elite_policies import ALL_POLICIES
from elite_policies.property_map import Mutation, mutations
from elite_policies.testing import options, stack_config
from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from preflight.engine.runner import StackRun

POLICIES = {p.name: p for p in ALL_POLICIES}


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    stack: str
    caught: bool
    targets: int


def _set(value: Any, steps: list[str], bad: Any, append: Any) -> Any:
    """`value` with the path `steps` set to `bad` (or `append` added to the list there); JSON text
    on the way is parsed and written back."""
    if isinstance(value, str) and steps:
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        return json.dumps(_set(parsed, steps, bad, append))
    if not steps:
        if append is not None:
            return [*(value or []), copy.deepcopy(append)]
        return copy.deepcopy(bad)
    step, rest = steps[0], steps[1:]
    if isinstance(value, list):
        indexes = range(len(value)) if step == "*" else [int(step)] if step.isdigit() and int(step) < len(value) else []
        out = list(value)
        for i in indexes:
            out[i] = _set(out[i], rest, bad, append)
        return out
    if isinstance(value, Mapping) or value is None:
        out = dict(value or {})
        if bad is None and append is None and not rest:
            out.pop(step, None)
        else:
            out[step] = _set(out.get(step), rest, bad, append)
        return out
    return value


def mutate(props: Mapping[str, Any], m: Mutation) -> dict[str, Any]:
    out = dict(props)
    steps = [m.prop, *(m.path.split(".") if m.path else [])]
    if m.drop or m.protect is not None or m.retype:
        return out
    out = _set(out, steps, m.bad, m.append)
    for key, value in m.also.items():
        out = _set(out, [key], value, None)
    return out


def policy_resources(run: StackRun, m: Mutation | None = None) -> tuple[list[PolicyResource], set[str]]:
    """The run's resources as a policy sees them, with `m` applied to every resource of its type;
    returns them and the URNs that were mutated."""
    regs = [r for r in run.resources if r.type != m.type or not m.drop] if m and m.drop else list(run.resources)
    mutated = {r.urn for r in run.resources if m and r.type == m.type}
    by_urn: dict[str, PolicyResource] = {}
    for reg in regs:
        hit = m is not None and reg.urn in mutated
        props = mutate(reg.inputs, m) if hit and m else reg.inputs
        protect = bool(m.protect) if hit and m and m.protect is not None else reg.protect
        token = m.retype if hit and m and m.retype else reg.type
        by_urn[reg.urn] = PolicyResource(token, unknown_checking_proxy(props), reg.urn, reg.name,
                                         options(protect), None, None, [], {})
    for reg in regs:
        resource = by_urn[reg.urn]
        links = {prop: [by_urn[u] for u in urns if u in by_urn] for prop, urns in reg.property_dependencies.items()}
        if m is not None and m.unlink and reg.urn in mutated:
            links.pop(m.prop, None)
        resource.property_dependencies = links
        resource.dependencies = [d for deps in links.values() for d in deps]
    return list(by_urn.values()), mutated


def findings(run: StackRun, m: Mutation | None, policy_name: str) -> list[str]:
    """URNs the policy reports on the (mutated) run, with the stack's policy config."""
    target = POLICIES[policy_name]
    config = {k: v for k, v in stack_config(_config_name(run)).get(policy_name, {}).items() if k != "enforcementLevel"}
    resources, mutated = policy_resources(run, m)
    found: list[str] = []
    if isinstance(target, StackValidationPolicy):
        target.validate(StackValidationArgs(resources, config), lambda message, urn=None: found.append(urn or ""))
    elif isinstance(target, ResourceValidationPolicy):
        for resource in resources:
            if m is not None and resource.urn not in mutated:
                continue
            target.validate(ResourceValidationArgs(resource.resource_type, resource.props, resource.urn,
                                                   resource.name, resource.opts, None, config),
                            lambda message, urn=None, at=resource.urn: found.append(urn or at))
    return found


def advisory_in(stack: str, policy_name: str) -> bool:
    level = stack_config(stack).get(policy_name, {}).get("enforcementLevel")
    return level == "advisory" or (level is None and POLICIES[policy_name].enforcement_level is not None
                                   and POLICIES[policy_name].enforcement_level.value == "advisory")


def _config_name(run: StackRun) -> str:
    return "admin" if run.stack == "admin" else run.stack


def suite(run: StackRun) -> Iterator[Outcome]:
    present = {r.type for r in run.resources}
    for m in mutations():
        if m.type not in present or (m.stacks and run.stack not in m.stacks):
            continue
        before = set(findings(run, None, m.policy))
        after = findings(run, m, m.policy)
        targets = sum(1 for r in run.resources if r.type == m.type)
        # Caught: the policy reports a resource it did not report on the unbroken stack.
        yield Outcome(m, run.stack, bool(set(after) - before) or len(after) > len(before), targets)
