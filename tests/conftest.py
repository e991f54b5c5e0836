"""Shared fixtures: each stack runs once per test process under the one mock engine."""

from __future__ import annotations

import functools
import importlib
import inspect
from typing import Any

import pytest

from components.config import stack_file_config
from preflight.runner import Registration, StackRun, run_stack

STACKS = ("staging", "production", "production-dr")
# Stacks serving on their own (CloudFront edge, primary database): not a standby.
SERVING_STACKS = ("staging", "production")


@functools.cache
def stack_run(stack: str) -> StackRun:
    return run_stack(stack, preview=False)


def setting(stack: str, key: str) -> object:
    """A stack's setting as its file (over Pulumi.yaml's defaults) gives it."""
    return stack_file_config(stack).get(key if ":" in key else f"elite-locadora:{key}")


def environment_of(stack: str) -> str:
    """A DR stack belongs to its primary's environment (parameter names, tags, role path)."""
    return stack_file_config(stack).get("elite-locadora:standbyFor") or stack


@pytest.fixture(params=STACKS)
def any_stack(request: pytest.FixtureRequest) -> StackRun:
    return stack_run(request.param)


@pytest.fixture(params=SERVING_STACKS)
def serving_stack(request: pytest.FixtureRequest) -> StackRun:
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
