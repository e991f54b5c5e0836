"""Entry point the Pulumi CLI starts (`--policy-pack policies`): it only assembles the pack."""

from elite_policies import ALL_POLICIES
from elite_policies.deserialize_once import install
from pulumi_policy import EnforcementLevel, PolicyPack

install()  # each resource decoded once per request, not once per policy (see the module)

PolicyPack(
    name="elite-locadora",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=ALL_POLICIES,
)
