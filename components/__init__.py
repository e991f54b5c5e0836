"""Elite Locadora's tiers, one ComponentResource each, and the stack's typed config."""
