"""The property map covers every input of every type the program registers (against the pinned
SDK's own argument lists), names only real policies, and every mutation it lists is caught by the
policy it names on the real stacks (the mutation suite)."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

import pytest
from elite_policies import ALL_POLICIES, property_map
from elite_policies.reference import property_table
from elite_policies.testing import UNKNOWN
from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs, StackValidationPolicy
from pulumi_policy.proxy import unknown_checking_proxy

from preflight.engine.runner import StackRun, run_stack
from tests.conftest import BASELINE_STACKS, STACKS, resource_class, stack_run
from tests.mutations import advisory_in, findings, policy_resources, suite

ROOT = Path(__file__).resolve().parent.parent
ALL_RUNS = (*STACKS, "admin", *BASELINE_STACKS)


@functools.cache
def run_of(stack: str) -> StackRun:
    return run_stack("admin", project_dir=ROOT / "bootstrap") if stack == "admin" else stack_run(stack)


def sdk_properties(token: str) -> set[str]:
    """The engine names of a resource's inputs, from the pinned SDK's constructor and getters."""
    cls = resource_class(token) if token != "pulumi:providers:aws" else __import__("pulumi_aws").Provider
    names = set()
    for param in inspect.signature(cls._internal_init).parameters:
        if param in ("self", "__self__", "resource_name", "opts", "__props__"):
            continue
        getter = getattr(getattr(cls, param, None), "fget", None)
        first, *rest = param.split("_")
        names.add(getattr(getter, "_pulumi_name", first + "".join(p[:1].upper() + p[1:] for p in rest)))
    return names


def registered_types() -> set[str]:
    return {r.type for stack in ALL_RUNS for r in run_of(stack).resources
            if r.custom and r.type.split(":")[0] in ("aws", "random", "pulumi")}


@pytest.mark.stacks  # runs every stack's program (through a helper)
def test_every_registered_type_is_in_the_map() -> None:
    missing = registered_types() - set(property_map.entries())
    assert not missing, f"classify these types in policies/elite_policies/property_map.yaml: {sorted(missing)}"


def test_components_carry_no_inputs_to_classify() -> None:
    for stack in ALL_RUNS:
        for reg in run_of(stack).resources:
            if not reg.custom:
                assert not reg.inputs, (stack, reg.type, sorted(reg.inputs))


@pytest.mark.parametrize("token", sorted(property_map.entries()))
def test_every_property_of_the_sdk_is_classified_and_no_other(token: str) -> None:
    mapped, sdk = set(property_map.entries()[token]), sdk_properties(token)
    assert not sdk - mapped, f"{token}: unclassified {sorted(sdk - mapped)}"
    assert not mapped - sdk, f"{token}: not an input of the pinned SDK {sorted(mapped - sdk)}"


def test_the_map_names_real_policies_and_every_policy_judges_something() -> None:
    names = {p.name for p in ALL_POLICIES}
    named = {n for props in property_map.entries().values() for e in props.values() for n in e.policies}
    named |= property_map.type_policies()  # judge which types a stack holds (unreviewed_types)
    assert named <= names, named - names
    assert names <= named, f"policies no property points at: {sorted(names - named)}"


def test_every_policy_has_a_mutation() -> None:
    mutated = {m.policy for m in property_map.mutations()}
    assert {p.name for p in ALL_POLICIES} <= mutated, {p.name for p in ALL_POLICIES} - mutated


def test_reasons_are_sentences_and_forbidden_entries_say_why() -> None:
    for token, props in property_map.entries().items():
        for prop, entry in props.items():
            if entry.kind != "judged":
                assert len(entry.reason) > 20, (token, prop)


def test_a_key_given_twice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    twice = tmp_path / "map.yaml"
    twice.write_text("reasons: {}\ntypes:\n  t:\n    judged:\n      a: x\n      a: y\n")
    monkeypatch.setattr(property_map, "PATH", twice)
    property_map.load.cache_clear()
    try:
        with pytest.raises(ValueError, match="a given twice"):
            property_map.load()
    finally:
        property_map.load.cache_clear()


@pytest.mark.stacks  # runs every stack's program (through a helper)
@pytest.mark.parametrize("stack", ALL_RUNS)
def test_the_unbroken_stack_passes_every_mutated_policy(stack: str) -> None:
    run = run_of(stack)
    for name in sorted({m.policy for m in property_map.mutations()}):
        if advisory_in(stack, name):
            continue  # reported as advice on purpose (staging has no standby to fail over to)
        assert findings(run, None, name) == [], (stack, name)


@pytest.mark.stacks  # runs every stack's program (through a helper)
@pytest.mark.parametrize("stack", ALL_RUNS)
def test_mutation_suite(stack: str) -> None:
    outcomes = list(suite(run_of(stack)))
    missed = [o.mutation.label + " -> " + o.mutation.policy for o in outcomes if not o.caught]
    print(f"{stack}: {len(outcomes) - len(missed)}/{len(outcomes)} mutations caught")
    assert len(outcomes) > 50, stack
    assert not missed, "\n".join(missed)


def test_the_table_is_current() -> None:
    assert (ROOT / "policies" / "PROPERTIES.md").read_text() == property_table(), \
        "policies/PROPERTIES.md is stale: run `make policy-docs`"


def _blank(value: object) -> object:
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    return UNKNOWN


@pytest.mark.parametrize("stack", ALL_RUNS)
@pytest.mark.parametrize("depth", ["every leaf", "every input"])
def test_the_real_stack_unknown_during_preview_neither_crashes_nor_flags_a_policy(stack: str, depth: str) -> None:
    """A pull request's preview of a first deploy: values unknown until `up`, at any depth."""
    run = run_of(stack)
    known_resources, _ = policy_resources(run)
    unknown = [PolicyResource(r.resource_type, unknown_checking_proxy(
        _blank(reg.inputs) if depth == "every leaf" else {k: UNKNOWN for k in reg.inputs}),
        r.urn, r.name, r.opts, None, None, r.dependencies, r.property_dependencies)
        for r, reg in zip(known_resources, run.resources, strict=True)]
    for target in ALL_POLICIES:
        found: list[str] = []
        if isinstance(target, StackValidationPolicy):
            target.validate(StackValidationArgs(unknown, {}),
                            lambda message, urn=None, found=found: found.append(message))
        else:
            for r in unknown:
                target.validate(ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, None, {}),
                                lambda message, urn=None, found=found: found.append(message))
        assert found == [], (stack, target.name, found[:1])
