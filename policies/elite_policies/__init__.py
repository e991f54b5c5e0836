"""Elite Locadora's CrossGuard policies, grouped by family; the pack is assembled in ../__main__.py."""

from pulumi_policy import Policy

from . import (
    account,
    availability,
    backup,
    budget,
    coverage,
    encryption,
    exposure,
    guardrails,
    hardening,
    privilege,
    resilience,
    transport,
)

ALL_POLICIES: list[Policy] = [
    *encryption.POLICIES, *availability.POLICIES, *transport.POLICIES, *backup.POLICIES, *guardrails.POLICIES,
    *privilege.POLICIES, *hardening.POLICIES, *exposure.POLICIES, *resilience.POLICIES, *coverage.POLICIES,
    *budget.POLICIES, *account.POLICIES,
]
