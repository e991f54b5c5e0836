"""A DR stack's view of its primary: what a primary publishes for its standby, and the
StackReference through which the standby reads it.

Its own module because the data and compute tiers take a `PrimaryStack` (a standby's database,
images and origin secret come from the primary), while the links that attach a standby to its
primary (components/standby.py) take those tiers' handles: each side imports this, not the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

STANDBY_EXPORT, SECRETS_EXPORT = "standby", "standbySecrets"


def standby_exports(*, region: str, database_arn: pulumi.Input[str], assets_bucket_name: pulumi.Input[str],
                    assets_bucket_arn: pulumi.Input[str], storage_key_arn: pulumi.Input[str],
                    zone_id: pulumi.Input[str], repository_prefix: str, service_images: Mapping[str, str],
                    secrets: Mapping[str, pulumi.Input[str]], distribution_arn: pulumi.Input[str]) -> None:
    """What a primary stack publishes for its standby (README, "Disaster recovery")."""
    pulumi.export(STANDBY_EXPORT, {
        "region": region, "databaseArn": database_arn, "assetsBucketName": assets_bucket_name,
        "distributionArn": distribution_arn,
        "assetsBucketArn": assets_bucket_arn, "storageKeyArn": storage_key_arn, "zoneId": zone_id,
        "repositoryPrefix": repository_prefix, "serviceImages": dict(service_images)})
    pulumi.export(SECRETS_EXPORT, pulumi.Output.secret(dict(secrets)))


@dataclass(frozen=True)
class PrimaryStack:
    """The stack a DR stack protects, as its exports describe it."""

    name: str
    region: str
    provider: aws.Provider  # in the primary's region, for the links attached to its resources
    exports: pulumi.Output[Any]
    secrets: pulumi.Output[Any]

    def value(self, key: str) -> pulumi.Output[Any]:
        return self.exports.apply(lambda e: _required(e, key, self.name))

    def secret(self, key: str) -> pulumi.Output[str]:
        return pulumi.Output.secret(self.secrets.apply(lambda e: _required(e, key, self.name)))

    @property
    def database_arn(self) -> pulumi.Output[str]:
        return self.value("databaseArn")


def _required(exports: Mapping[str, Any] | None, key: str, stack: str) -> Any:
    if not exports or key not in exports:
        raise pulumi.RunError(f"stack {stack!r} exports no {key!r}: deploy it with originFailover: true first "
                              "(its `standby` and `standbySecrets` outputs)")
    return exports[key]


def primary_stack(name: str, region: str, allowed_account_ids: list[str] | None) -> PrimaryStack:
    reference = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/{name}")
    return PrimaryStack(
        name=name, region=region,
        provider=aws.Provider("standby-source", region=region, allowed_account_ids=allowed_account_ids),
        exports=reference.get_output(STANDBY_EXPORT), secrets=reference.get_output(SECRETS_EXPORT))
