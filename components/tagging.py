"""The one place tags come from.

Tags are set explicitly on every taggable resource (not only through the provider's
default_tags) so that the policy pack and the tests see them in each resource's inputs, as
`pulumi preview --policy-pack` does.
"""

from __future__ import annotations

from collections.abc import Mapping

from .config import PROJECT, Settings

REQUIRED_TAG_KEYS = ("Project", "Environment", "ManagedBy", "Owner", "CostCenter")


def stack_tags(settings: Settings) -> dict[str, str]:
    tags = {
        "Project": PROJECT,
        # A DR stack carries its primary's environment: the deploy roles' environment guards
        # (bootstrap) then treat it as that environment's, not as nobody's.
        "Environment": settings.environment,
        "ManagedBy": "Pulumi",
        "Owner": settings.config.owner,
        "CostCenter": settings.config.cost_center,
    }
    if settings.environment != settings.stack:
        tags["Stack"] = settings.stack
    return tags


def named(tags: Mapping[str, str], name: str, **extra: str) -> dict[str, str]:
    """The stack's tags plus a Name (what the console lists) and any resource-specific tags."""
    return {**tags, "Name": name, **extra}
