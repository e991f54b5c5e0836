"""The property map (property_map.yaml beside this file): every input property of every type the
program registers, judged by policies, forbidden until reviewed, or irrelevant with a reason.

It is data for three readers: the `unreviewed-features-absent` policy (the forbidden entries),
tests/test_property_map.py (coverage against the pinned SDK, and the mutation suite), and the
generated table in policies/PROPERTIES.md.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).with_name("property_map.yaml")


@dataclass(frozen=True)
class Mutation:
    """One realistic breakage: applied to the real stacks, `policy` must report it."""
    type: str
    prop: str
    policy: str
    path: str = ""
    bad: Any = None
    append: Any = None
    also: Mapping[str, Any] = field(default_factory=dict)
    unlink: bool = False  # the property no longer comes from another resource (a literal instead)
    drop: bool = False  # the resource is removed from the stack
    protect: bool | None = None  # Pulumi's protect option set to this
    stacks: tuple[str, ...] = ()  # only these stacks (policy config makes the rule stack-specific)
    retype: str = ""  # every resource of `type` registered as this type instead (one the map lacks)

    @property
    def label(self) -> str:
        where = f"{self.prop}.{self.path}" if self.path else self.prop
        if self.retype:
            return f"{self.type.rsplit(':', 1)[-1]} registered as {self.retype}"
        what = (f"+= {self.append!r}" if self.append is not None else "dropped" if self.drop
                else f"protect={self.protect}" if self.protect is not None else f"= {self.bad!r}")
        return f"{self.type.rsplit(':', 1)[-1]}.{where} {what}"[:160]


@dataclass(frozen=True)
class Entry:
    kind: str  # judged | forbidden | reason
    policies: tuple[str, ...] = ()
    reason: str = ""


class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice (plain YAML keeps the last one silently)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    keys = [loader.construct_object(k) for k, _ in node.value]
    twice = sorted({str(k) for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"property map: {', '.join(twice)} given twice (line {node.start_mark.line + 1})")
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@functools.cache
def load() -> dict[str, Any]:
    return yaml.load(PATH.read_text(), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def reasons() -> dict[str, str]:
    return dict(load()["reasons"])


@functools.cache
def entries() -> dict[str, dict[str, Entry]]:
    """type -> property -> its classification (a property listed twice is an error)."""
    vocabulary = reasons()
    found: dict[str, dict[str, Entry]] = {}
    for token, spec in load()["types"].items():
        props: dict[str, Entry] = {}

        def put(prop: str, entry: Entry, token: str = token, props: dict[str, Entry] = props) -> None:
            if prop in props:
                raise ValueError(f"property map: {token}.{prop} is classified twice")
            props[prop] = entry
        for prop, judged in (spec.get("judged") or {}).items():
            items = judged if isinstance(judged, list) else [judged]
            names = tuple(dict.fromkeys(i if isinstance(i, str) else i["policy"] for i in items))
            put(prop, Entry("judged", names))
        for prop, why in (spec.get("forbidden") or {}).items():
            put(prop, Entry("forbidden", ("unreviewed-features-absent",), str(why)))
        for key, props_of in (spec.get("reasons") or {}).items():
            text = vocabulary.get(key, key)
            if key not in vocabulary and " " not in key:
                raise ValueError(f"property map: {token}: reason {key!r} is neither in `reasons` nor a sentence")
            for prop in props_of:
                put(prop, Entry("reason", (), text))
        found[token] = props
    return found


def forbidden() -> dict[str, dict[str, str]]:
    """type -> property -> why it must stay unset."""
    return {token: {p: e.reason for p, e in props.items() if e.kind == "forbidden"}
            for token, props in entries().items()}


def mutations() -> list[Mutation]:
    found = []
    for token, spec in load()["types"].items():
        for prop, judged in (spec.get("judged") or {}).items():
            for item in judged if isinstance(judged, list) else [judged]:
                if isinstance(item, Mapping) and {"bad", "append", "drop", "protect"} & set(item):
                    found.append(Mutation(
                        token, prop, item["policy"], path=str(item.get("path", "")), bad=item.get("bad"),
                        append=item.get("append"), also=item.get("also", {}), unlink=bool(item.get("unlink")),
                        drop=bool(item.get("drop")), protect=item.get("protect"), stacks=tuple(item.get("stacks", ()))))
        for prop in spec.get("forbidden") or {}:
            found.append(Mutation(token, prop, "unreviewed-features-absent", bad=True))
    for item in load().get("unreviewed_types") or []:
        found.append(Mutation(item["type"], "", item["policy"], retype=item["as"]))
    return found


def type_policies() -> set[str]:
    """Policies that judge which types a stack may hold rather than a property (unreviewed_types)."""
    return {item["policy"] for item in load().get("unreviewed_types") or []}
