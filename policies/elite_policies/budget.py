"""stack-monthly-budget: the stack's estimated monthly cost against a ceiling in policy config,
priced by the same rules, price files and usage file as `python -m preflight cost`: the pack's own
`elite_policies.pricing`, which the preflight imports as a library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity
from pulumi_policy.proxy import UnknownValueError

from ._framework import Setting, has_unknown, plain, stack_rule
from .pricing.cost import estimate


def _plain(value: Any) -> Any:
    """A props proxy as plain data. An unknown value in an object is left out; an unknown element of
    a list stays as None, so counts (subnets of an endpoint) hold during preview."""
    if isinstance(value, Mapping):
        out = {}
        for key in list(value.keys()):
            try:
                out[key] = _plain(value[key])
            except UnknownValueError:
                continue
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = []
        for index in range(len(value)):
            try:
                items.append(_plain(value[index]))
            except UnknownValueError:
                items.append(None)
        return items
    return value


@dataclass
class _Priced:
    """A resource as the pricing rules read it (pricing.cost.Registration)."""

    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    property_dependencies: dict[str, list[str]]
    region: str
    parent: str
    custom: bool = True
    provider: str = ""


@dataclass
class _Stack:
    stack: str
    resources: list[_Priced] = field(default_factory=list)

    def of_type(self, token: str) -> list[_Priced]:
        return [r for r in self.resources if r.type == token]

    def by_urn(self) -> dict[str, _Priced]:
        return {r.urn: r for r in self.resources}

    def top_component(self, reg: _Priced) -> str:
        return "stack"


def _region(resource: PolicyResource) -> str:
    provider = resource.provider
    try:
        return str(provider.props["region"]) if provider is not None and "region" in provider.props else "us-east-1"
    except UnknownValueError:
        return "us-east-1"


UNKNOWN_INPUT = " [input unknown until up]"


def monthly_estimate(resources: Sequence[PolicyResource]) -> tuple[float, list[str]]:
    """(USD per month, what could not be priced); a resource whose inputs are partly unknown
    during preview is marked UNKNOWN_INPUT rather than missing a price."""
    stack = _Stack("policy", [
        _Priced(urn=r.urn, type=r.resource_type, name=r.name, inputs=_plain(r.props),
                property_dependencies={k: [d.urn for d in v] for k, v in (r.property_dependencies or {}).items()},
                region=_region(r), parent=r.parent.urn if r.parent is not None else "",
                # Components (the tiers) carry no price; provider packages' resources do.
                custom=r.resource_type.split(":")[0] in ("aws", "random"))
        for r in resources])
    partly_unknown = {r.name for r in resources if has_unknown(plain(r.props))}
    report = estimate(stack)
    return report.total, [f"{name} ({kind})" + (UNKNOWN_INPUT if name.split(" (")[0] in partly_unknown else "")
                          for kind, name in report.unpriced]


@stack_rule("stack-monthly-budget", judges=lambda token: token.split(':')[0] in ('aws', 'random'),
            family="guardrails", severity=Severity.MEDIUM, level=EnforcementLevel.ADVISORY,
            description="Checks whether the stack's estimated monthly cost (the preflight's price files and usage "
                        "assumptions) stays within maxMonthlyUsd.",
            message="Bring the estimate under maxMonthlyUsd (python -m preflight cost --stack <stack> shows where the "
                    "money goes), or raise the budget in the stack's policy config with the reason",
            settings={"maxMonthlyUsd": Setting(0, {"type": "number", "minimum": 0},
                                               "monthly ceiling in USD; 0 = no budget set")})
def stack_budget(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    ceiling = float(config["maxMonthlyUsd"])
    if not ceiling:
        return
    total, unpriced = monthly_estimate(resources)
    # Fail closed: a resource without a price (a type no rule prices, a class or region the price
    # files lack) would otherwise count as free. Inputs unknown until `up` are not judged.
    missing = [u for u in unpriced if not u.endswith(UNKNOWN_INPUT)]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        yield "", (f"cannot price {len(missing)} resource(s), which the estimate would count as free: "
                   f"{'; '.join(missing[:5])}{more}")
    if total > ceiling:
        later = [u.removesuffix(UNKNOWN_INPUT) for u in unpriced if u.endswith(UNKNOWN_INPUT)]
        note = f"; not priced until known: {', '.join(later)}" if later else ""
        yield "", f"estimated {total:,.2f} USD/month, budget {ceiling:,.2f}{note}"


POLICIES = [stack_budget]
