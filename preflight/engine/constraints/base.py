"""The constraint model: what a rule reads, what it reports, and how rules are declared
(`@constraint` for one resource, `@stack_constraint` for several)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from components.config import (
    daily_window_minutes,
    is_daily_window,
    is_weekly_window,
    weekly_window_minutes,
    windows_overlap,
)


class Registered(Protocol):
    """What a rule reads of a registration (preflight.engine.runner.Registration)."""

    urn: str
    type: str
    name: str
    custom: bool
    inputs: dict[str, Any]
    property_dependencies: dict[str, list[str]]
    region: str


@dataclass(frozen=True)
class Violation:
    urn: str
    type: str
    name: str
    constraint: str
    argument: str
    value: Any
    rule: str
    fix: str
    reference: str

    def __str__(self) -> str:
        value = self.value if not isinstance(self.value, str) or len(self.value) < 120 else self.value[:117] + "..."
        return (f"{self.type} {self.name}: {self.argument} = {value!r} breaks {self.constraint} "
                f"({self.rule}). Fix: {self.fix}. See {self.reference}")


# (argument, value, detail): what one rule found wrong; the detail is appended to the rule text.
Finding = tuple[str, Any, str]
ResourceCheck = Callable[[Mapping[str, Any]], Iterable[Finding]]
StackCheck = Callable[[Sequence[Registered]], Iterable[tuple[Registered, Finding]]]


@dataclass(frozen=True)
class Constraint:
    id: str
    types: tuple[str, ...]  # empty: every resource (tags)
    rule: str
    fix: str
    reference: str
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None


CONSTRAINTS: dict[str, Constraint] = {}


def constraint(id: str, types: Sequence[str], *, rule: str, fix: str, reference: str,
               ) -> Callable[[ResourceCheck], ResourceCheck]:
    def register(check: ResourceCheck) -> ResourceCheck:
        if id in CONSTRAINTS:
            raise ValueError(f"constraint {id} declared twice")
        CONSTRAINTS[id] = Constraint(id, tuple(types), rule, fix, reference, check=check)
        return check
    return register


def stack_constraint(id: str, *, rule: str, fix: str, reference: str,
                     ) -> Callable[[StackCheck], StackCheck]:
    def register(check: StackCheck) -> StackCheck:
        if id in CONSTRAINTS:
            raise ValueError(f"constraint {id} declared twice")
        CONSTRAINTS[id] = Constraint(id, (), rule, fix, reference, stack_check=check)
        return check
    return register


# --- reading inputs ---------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _get(props: Mapping[str, Any], *path: str | int) -> Any:
    value: Any = props
    for step in path:
        if isinstance(value, Mapping):
            value = value.get(step)  # type: ignore[call-overload]
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return None
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _document_size(text: Any) -> int | None:
    """Characters of a policy document as IAM counts them (whitespace excluded)."""
    if not isinstance(text, str):
        return None
    return len(re.sub(r"\s", "", text))


def _window_findings(props: Mapping[str, Any], daily_key: str, weekly_key: str, daily_min: int,
                     weekly_min: int) -> Iterable[Finding]:
    daily, weekly = _str(props.get(daily_key)), _str(props.get(weekly_key))
    if daily is not None:
        if not is_daily_window(daily):
            yield daily_key, daily, "not hh24:mi-hh24:mi"
        elif daily_window_minutes(daily) < daily_min:
            yield daily_key, daily, f"{daily_window_minutes(daily)} minutes, below {daily_min}"
    if weekly is not None:
        if not is_weekly_window(weekly):
            yield weekly_key, weekly, "not ddd:hh24:mi-ddd:hh24:mi"
        elif weekly_window_minutes(weekly) < weekly_min:
            yield weekly_key, weekly, f"{weekly_window_minutes(weekly)} minutes, below {weekly_min}"
    if daily and weekly and is_daily_window(daily) and is_weekly_window(weekly) and windows_overlap(daily, weekly):
        yield weekly_key, weekly, f"overlaps {daily_key} {daily}"


def _outside(props: Mapping[str, Any], key: str, low: float, high: float) -> Iterable[Finding]:
    value = _num(props.get(key))
    if value is not None and not low <= value <= high:
        yield key, value, f"outside {low:g}-{high:g}"


def _targets(reg: Registered, prop: str, by_urn: Mapping[str, Registered]) -> list[Registered]:
    return [by_urn[u] for u in reg.property_dependencies.get(prop, []) if u in by_urn]
