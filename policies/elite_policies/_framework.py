"""How every rule of the pack is declared, so each one behaves the same way.

* A rule reads the engine-format props (camelCase, numbers as floats) the CLI sends.
* A value that is unknown during preview is never judged: the rule passes it over silently
  (the SDK's proxy raises UnknownValueError on access; we catch it), so a pull request's preview
  neither crashes nor flags on what only `up` will know.
* Settings are config with safe defaults (a stack's policy config file overrides them); the
  defaults are applied here as well, so a rule behaves the same under the CLI and in tests.
* Metadata: kebab-case name, a description starting "Checks whether", a message that says what
  must be true and how to fix it, a severity, a default enforcement level, the family (a tag),
  and the AWS Foundational Security Best Practices control id where one exists.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

FSBP = "AWS Foundational Security Best Practices"
UNKNOWN = object()  # what `known` returns, when asked to, for a value unknown during preview
FAMILIES = ("encryption", "availability", "transport", "backup", "guardrails")
REF_FRAMEWORKS = ("cis-aws-3.0", "pci-dss-4.0.1", "checkov", "kics", "aws-docs")

Findings = Iterable[str] | str | None
# check(props, config), or check(props, config, resource_type) for a rule over many types
ResourceCheck = Callable[..., Findings]
StackCheck = Callable[[Sequence[PolicyResource], Mapping[str, Any]], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Setting:
    default: Any
    schema: Mapping[str, Any]
    description: str


def _schema(settings: Mapping[str, Setting]) -> PolicyConfigSchema | None:
    if not settings:
        return None
    return PolicyConfigSchema(properties={
        key: {**s.schema, "default": s.default, "description": s.description} for key, s in settings.items()})


def _config(settings: Mapping[str, Setting], given: Mapping[str, Any]) -> dict[str, Any]:
    return {**{k: s.default for k, s in settings.items()}, **{k: v for k, v in given.items() if k in settings}}


def _findings(result: Findings) -> list[str]:
    if result is None:
        return []
    if isinstance(result, str):
        return [result]
    return [r for r in result if r]


Controls = str | tuple[str, ...] | None


def control_ids(reference: str | None) -> list[str]:
    """The FSBP control ids a policy's framework reference names ("RDS.3, RDS.4")."""
    return [c.strip() for c in (reference or "").split(",") if c.strip()]


def _metadata(name: str, family: str, control: Controls, message: str, refs: Sequence[str] = ()) -> dict[str, Any]:
    """`refs` name what else the rule implements, as "framework:id" tags (cis-aws-3.0:5.2,
    pci-dss-4.0.1:1.3.1, checkov:CKV_AWS_60): FSBP has the SDK's one framework slot."""
    if family not in FAMILIES:
        raise ValueError(f"{name}: unknown family {family}")
    for ref in refs:
        if ref.split(":", 1)[0] not in REF_FRAMEWORKS or ":" not in ref:
            raise ValueError(f"{name}: reference {ref!r} is not framework:id ({', '.join(REF_FRAMEWORKS)})")
    reference = ", ".join((control,) if isinstance(control, str) else control or ())
    return dict(tags=[family, *refs], remediation_steps=message,
                framework=PolicyComplianceFramework(name=FSBP, version="1.0.0", reference=reference)
                if reference else None)


def resource_rule(name: str, *, family: str, types: Sequence[str] | Callable[[str], bool], description: str,
                  message: str,
                  severity: Severity = Severity.HIGH, level: EnforcementLevel = EnforcementLevel.MANDATORY,
                  control: Controls = None, settings: Mapping[str, Setting] | None = None,
                  refs: Sequence[str] = (),
                  ) -> Callable[[ResourceCheck], ResourceValidationPolicy]:
    """Declare a per-resource rule; `check(props, config)` returns what is wrong (or nothing)."""
    settings = settings or {}
    applies = types if callable(types) else frozenset(types).__contains__

    def build(check: ResourceCheck) -> ResourceValidationPolicy:
        typed = len(inspect.signature(check).parameters) == 3

        def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
            if not applies(args.resource_type):
                return
            config = _config(settings, args.get_config())
            try:
                findings = _findings(check(args.props, config, args.resource_type) if typed
                                     else check(args.props, config))
            except UnknownValueError:
                return  # known only after `up`: not judged during preview
            for finding in findings:
                report(f"{message} [{finding}]", None)

        policy = ResourceValidationPolicy(name=name, description=description, validate=validate,
                                          enforcement_level=level, severity=severity, config_schema=_schema(settings),
                                          **_metadata(name, family, control, message, refs))
        policy.judges = applies  # type: ignore[attr-defined]
        return policy

    return build


def stack_rule(name: str, *, judges: Sequence[str] | Callable[[str], bool], family: str, description: str,
               message: str,
               severity: Severity = Severity.HIGH, level: EnforcementLevel = EnforcementLevel.MANDATORY,
               control: Controls = None, settings: Mapping[str, Setting] | None = None,
               refs: Sequence[str] = (),
               ) -> Callable[[StackCheck], StackValidationPolicy]:
    """Declare a cross-resource rule; `check(resources, config)` yields (urn, what is wrong).
    `judges` names the types whose resources it passes judgement on (what compliance counts)."""
    settings = settings or {}
    judged = judges if callable(judges) else frozenset(judges).__contains__

    def build(check: StackCheck) -> StackValidationPolicy:
        def validate(args: StackValidationArgs, report: ReportViolation) -> None:
            for urn, finding in check(args.resources, _config(settings, args.get_config())):
                report(f"{message} [{finding}]", urn)

        policy = StackValidationPolicy(name=name, description=description, validate=validate,
                                       enforcement_level=level, severity=severity, config_schema=_schema(settings),
                                       **_metadata(name, family, control, message, refs))
        policy.judges = judged  # type: ignore[attr-defined]
        return policy

    return build


def flag_rule(name: str, *, path: Sequence[str], what: str, missing_is_on: bool = False, family: str = "guardrails",
              types: Sequence[str], description: str, message: str, severity: Severity = Severity.HIGH,
              control: str | tuple[str, ...] | None = None, refs: Sequence[str] = ()) -> ResourceValidationPolicy:
    """A rule that one boolean setting is on. `missing_is_on` where AWS's default is on (minor
    upgrades), so only an explicit False is a finding."""
    def check(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
        value = get(props, *path)
        on = value is True or (value is None and missing_is_on)
        return None if on else f"{what} off"
    return resource_rule(name, family=family, types=types, description=description, message=message,
                         severity=severity, control=control, refs=refs)(check)


# --- reading props -----------------------------------------------------------------------------


def get(props: Mapping[str, Any], *path: str | int, default: Any = None) -> Any:
    """props[a][b]...; `default` where a step is missing. Unknown values raise (see above)."""
    value: Any = props
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return default
        if value is None:
            return default
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    return list(value)


def number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def document(value: Any) -> Mapping[str, Any] | None:
    """A policy document given as JSON text or as an object."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return value if isinstance(value, Mapping) else None


def statements(doc: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return as_list(get(doc or {}, "Statement", default=[]))


def cache_behaviours(props: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """A distribution's behaviours as (path pattern, behaviour), the default one first."""
    return [("default", get(props, "defaultCacheBehavior", default={})),
            *((str(get(b, "pathPattern", default="?")), b) for b in as_list(get(props, "orderedCacheBehaviors")))]


def tags_of(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return get(props, "tags", default={}) or {}


def known(props: Mapping[str, Any], *path: str | int, default: Any = None, unknown: Any = None) -> Any:
    """Like `get`, but `unknown` where the value is unknown during preview (stack rules judge
    the rest of the stack instead of skipping it whole)."""
    try:
        return get(props, *path, default=default)
    except UnknownValueError:
        return unknown


def plain(value: Any) -> Any:
    """A props proxy as plain data, each value unknown during preview replaced by UNKNOWN (what
    stack rules walk: a proxy raises on an unknown leaf, which would abort the whole rule)."""
    try:
        if isinstance(value, Mapping):
            return {key: plain(_item(value, key)) for key in list(value.keys())}
        if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            return [plain(_item(value, i)) for i in range(len(value))]
    except UnknownValueError:
        return UNKNOWN
    return value


def _item(container: Any, key: Any) -> Any:
    try:
        return container[key]
    except UnknownValueError:
        return UNKNOWN


def has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def depends_on(resource: PolicyResource, prop: str) -> list[PolicyResource]:
    """The resources a property was computed from (what links a bucket's settings to the bucket
    even while its name is unknown)."""
    return list((resource.property_dependencies or {}).get(prop, []))


def referenced(resources: Sequence[PolicyResource], types: str | Sequence[str], prop: str) -> set[str]:
    """URNs of the resources that resources of `types` point at through `prop` (e.g. the buckets
    that have a versioning resource)."""
    wanted = (types,) if isinstance(types, str) else tuple(types)
    return {target.urn for r in of_type(resources, *wanted) for target in depends_on(r, prop)}


def unlinked(resources: Sequence[PolicyResource], types: str | Sequence[str], linked_by: str | Sequence[str],
             prop: str) -> list[PolicyResource]:
    """Resources of `types` that no resource of `linked_by` points at through `prop` (a bucket
    without a versioning resource, a web ACL without a logging configuration)."""
    linked = referenced(resources, linked_by, prop)
    wanted = (types,) if isinstance(types, str) else tuple(types)
    return [r for r in of_type(resources, *wanted) if r.urn not in linked]


def judged_types(policy: Any) -> Callable[[str], bool]:
    """Which resource types a policy of this pack passes judgement on."""
    return policy.judges  # every rule is declared through resource_rule or stack_rule


def of_type(resources: Sequence[PolicyResource], *types: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in types]
