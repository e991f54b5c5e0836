"""Shared fixtures: each stack runs once per test process under the one mock engine."""

from __future__ import annotations

import functools
import importlib
import inspect
from typing import Any

import pytest

from preflight.runner import Registration, StackRun, run_stack

STACKS = ("staging", "production")


@functools.cache
def stack_run(stack: str) -> StackRun:
    return run_stack(stack, preview=False)


@pytest.fixture(params=STACKS)
def any_stack(request: pytest.FixtureRequest) -> StackRun:
    return stack_run(request.param)


@pytest.fixture
def staging() -> StackRun:
    return stack_run("staging")


@pytest.fixture
def production() -> StackRun:
    return stack_run("production")


@functools.cache
def resource_class(token: str) -> Any:
    """The pulumi_aws / pulumi_random class behind a type token, e.g. aws:ec2/vpc:Vpc."""
    package, middle, cls = token.split(":")
    module = middle.split("/")[0]
    base = {"aws": "pulumi_aws", "random": "pulumi_random"}[package]
    mod = importlib.import_module(base if module == "index" else f"{base}.{module}")
    return getattr(mod, cls)


def is_taggable(reg: Registration) -> bool:
    if not reg.custom or not reg.type.startswith("aws:"):
        return False
    init = resource_class(reg.type)._internal_init
    return "tags" in inspect.signature(init).parameters


def children_of(run: StackRun, component: Registration) -> list[Registration]:
    """Every resource below a component (any depth)."""
    by_parent: dict[str, list[Registration]] = {}
    for reg in run.resources:
        by_parent.setdefault(reg.parent, []).append(reg)
    found, todo = [], [component.urn]
    while todo:
        for reg in by_parent.get(todo.pop(), []):
            found.append(reg)
            todo.append(reg.urn)
    return found
