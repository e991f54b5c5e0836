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
    return {
        "Project": PROJECT,
        "Environment": settings.stack,
        "ManagedBy": "Pulumi",
        "Owner": settings.config.owner,
        "CostCenter": settings.config.cost_center,
    }


def named(tags: Mapping[str, str], name: str, **extra: str) -> dict[str, str]:
    """The stack's tags plus a Name (what the console lists) and any resource-specific tags."""
    return {**tags, "Name": name, **extra}
