"""The table of which input changes force a replacement (preflight/plan/replacements.json) covers every
resource type the program registers, names only inputs the pinned SDK has, and says where it
comes from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_property_map import registered_types, sdk_properties

TABLE = json.loads((Path(__file__).resolve().parent.parent / "preflight" / "plan" / "replacements.json").read_text())


@pytest.mark.stacks  # runs every stack's program (through a helper)
def test_every_registered_type_is_in_the_table() -> None:
    missing = registered_types() - set(TABLE["types"])
    assert not missing, f"derive their replacing inputs (tools/derive_replacements.py): {sorted(missing)}"


def test_the_table_names_its_source_and_provider_version() -> None:
    assert "terraform-provider-aws v5.100.0" in TABLE["source"] and TABLE["providerVersion"] == "5.100.0"
    assert "v6" in TABLE["bridge"]


@pytest.mark.parametrize("token", sorted(TABLE["types"]))
def test_replacing_inputs_are_inputs_of_the_sdk(token: str) -> None:
    entry = TABLE["types"][token]
    sdk = sdk_properties(token)
    for path in entry["replaces"] + entry.get("notProbedAlone", []):
        assert path.split(".")[0] in sdk, (token, path)


@pytest.mark.parametrize(("token", "replacing", "in_place"), [
    ("aws:rds/instance:Instance", {"kmsKeyId", "storageEncrypted", "username", "engine", "dbName"},
     {"identifier", "instanceClass", "allocatedStorage", "multiAz", "backupRetentionPeriod"}),
    ("aws:ec2/vpc:Vpc", {"cidrBlock"}, {"enableDnsHostnames", "tags"}),
    ("aws:ec2/subnet:Subnet", {"cidrBlock", "vpcId", "availabilityZone"}, {"mapPublicIpOnLaunch"}),
    ("aws:s3/bucket:Bucket", {"bucket"}, {"forceDestroy", "tags"}),
    ("aws:kms/key:Key", {"customerMasterKeySpec", "multiRegion"}, {"policy", "enableKeyRotation"}),
    ("aws:elasticache/replicationGroup:ReplicationGroup", {"atRestEncryptionEnabled", "kmsKeyId", "engine"},
     {"nodeType", "numCacheClusters", "engineVersion"}),
    ("aws:ecs/taskDefinition:TaskDefinition", {"containerDefinitions", "cpu", "family"}, {"tags"}),
])
def test_known_facts_of_the_provider(token: str, replacing: set[str], in_place: set[str]) -> None:
    replaces = set(TABLE["types"][token]["replaces"])
    assert replacing <= replaces, replacing - replaces
    assert not in_place & replaces, in_place & replaces
