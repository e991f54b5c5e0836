"""Entry point the Pulumi CLI starts (`--policy-pack policies`): it only assembles the pack."""

from elite_policies import ALL_POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="elite-locadora",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=ALL_POLICIES,
)
