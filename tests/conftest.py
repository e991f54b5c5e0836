"""Shared fixtures: each stack runs once per test process under the one mock engine."""

from __future__ import annotations

import copy
import functools
import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from components.config import stack_file_config
from preflight.engine import runner
from preflight.engine.runner import PROJECT_DIR, Registration, StackRun

_PROGRAM_RUN = runner.run_stack
_SHARED_RUNS: dict[tuple, StackRun] = {}


def run_stack(stack: str, *, preview: bool = False, overrides: dict[str, Any] | None = None,
              fill_missing_secrets: bool = True, project_dir: Path = PROJECT_DIR, settings_from: str | None = None,
              caller_account: str | None = None, prior: Any = None, lookups: Any = None) -> StackRun:
    """The runner's run_stack, each distinct run of this project done once per test process and
    handed out as a copy (tests, the CLI and the readme ask for the same runs many times over).
    A failing run is not kept (it raises every time), nor one of another project, with prior state or
    with an account's lookups."""
    if project_dir != PROJECT_DIR or prior is not None or caller_account is not None or lookups is not None:
        return _PROGRAM_RUN(stack, preview=preview, overrides=overrides, fill_missing_secrets=fill_missing_secrets,
                            project_dir=project_dir, settings_from=settings_from, caller_account=caller_account,
                            prior=prior, lookups=lookups)
    key = (stack, preview, json.dumps(overrides, sort_keys=True, default=str), fill_missing_secrets, settings_from)
    if key not in _SHARED_RUNS:
        _SHARED_RUNS[key] = _PROGRAM_RUN(stack, preview=preview, overrides=overrides,
                                         fill_missing_secrets=fill_missing_secrets, settings_from=settings_from)
    return copy.deepcopy(_SHARED_RUNS[key])


def _share_program_runs() -> None:
    """Every module that imported run_stack by name gets the shared one."""
    for module in list(sys.modules.values()):
        if getattr(module, "run_stack", None) is _PROGRAM_RUN and module.__name__ != __name__:
            module.run_stack = run_stack  # type: ignore[attr-defined]


def pytest_collection_finish(session: pytest.Session) -> None:
    # Imported so their run_stack is shared too.
    import preflight.cli
    import preflight.readme
    import preflight.reports.estimates.recovery  # noqa: F401

    _share_program_runs()

STACKS = ("staging", "production", "production-dr")
# Stacks serving on their own (CloudFront edge, primary database): not a standby.
SERVING_STACKS = ("staging", "production")


# The account baseline's stacks (baseline/), one per AWS account.
BASELINE_STACKS = ("account-production", "account-staging")
BASELINE_DIR = Path(__file__).resolve().parent.parent / "baseline"


@functools.cache
def stack_run(stack: str) -> StackRun:
    if stack in BASELINE_STACKS:
        return run_stack(stack, preview=False, project_dir=BASELINE_DIR)
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
    return reg.custom and reg.type.startswith("aws:") and _type_takes_tags(reg.type)


@functools.cache
def _type_takes_tags(token: str) -> bool:
    return "tags" in inspect.signature(resource_class(token)._internal_init).parameters


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


# `make test-fast` leaves out tests that run a stack's program (`-m "not stacks"`): a test is
# marked when its own source, a module helper it calls, or a fixture it takes runs one.
_RUNS_A_STACK = ("stack_run(", "run_stack(", "run_of(", "cli.main(", "subprocess.")
_STACK_FIXTURES = {"any_stack", "serving_stack", "staging", "production", "plan", "toy"}


def _runs_a_stack(source: str) -> bool:
    return any(token in source for token in _RUNS_A_STACK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    helpers: dict[Any, set[str]] = {}
    for item in items:
        function = getattr(item, "function", None)
        if function is None:
            continue
        module = inspect.getmodule(function)
        if module not in helpers:
            helpers[module] = {name for name, member in vars(module).items()
                               if inspect.isfunction(member) and member.__module__ == module.__name__
                               and _runs_a_stack(inspect.getsource(member))}
        source = inspect.getsource(function)
        uses = set(getattr(item, "fixturenames", ())) & _STACK_FIXTURES
        definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        fixture_runs = any(_runs_a_stack(inspect.getsource(d.func)) for defs in definitions.values() for d in defs
                           if inspect.isfunction(d.func) and d.func.__module__.startswith("tests"))
        if _runs_a_stack(source) or uses or fixture_runs or any(f"{name}(" in source for name in helpers[module]):
            item.add_marker(pytest.mark.stacks)
