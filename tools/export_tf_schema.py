"""Write preflight/plan/terraform_schema.json: the Terraform AWS provider's resource schemas, reduced to
what `preflight adopt` reads from a state (which attributes are inputs, computed or sensitive; which
blocks are lists, sets or single objects), for every type the program registers (the `terraform`
names in preflight/plan/replacements.json) and the ones the guide's Terraform adds.

Not needed by the product or the tests. With a Terraform CLI and the provider in a local mirror:

    mkdir /tmp/tfschema && cd /tmp/tfschema   # a main.tf requiring hashicorp/aws = 5.100.0
    terraform init && terraform providers schema -json > schema.json
    .venv/bin/python tools/export_tf_schema.py /tmp/tfschema/schema.json
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Types the guide's Terraform manages that the program replaces with something else.
GUIDE_ONLY = ["aws_cloudfront_origin_access_identity", "aws_default_network_acl", "aws_default_route_table",
              "aws_security_group", "aws_route53_zone", "aws_s3_bucket_replication_configuration",
              "aws_appautoscaling_target", "aws_appautoscaling_policy", "aws_iam_policy", "aws_security_group_rule"]
FLAGS = (("r", "required"), ("o", "optional"), ("c", "computed"), ("s", "sensitive"))


def reduce(block: dict, depth: int = 0) -> dict:
    if depth > 4:  # WAF statements nest themselves; below this their shape is left to the Pulumi schema
        return {"deep": True}
    out: dict = {"attributes": {name: "".join(f for f, key in FLAGS if spec.get(key))
                                for name, spec in sorted(block.get("attributes", {}).items())}}
    blocks = {}
    for name, spec in sorted(block.get("block_types", {}).items()):
        if name == "timeouts":
            continue
        blocks[name] = {"nesting": spec["nesting_mode"], **({"max": spec["max_items"]} if spec.get("max_items") else {}),
                        **reduce(spec["block"], depth + 1)}
    if blocks:
        out["blocks"] = blocks
    return out


def main(path: str) -> None:
    doc = json.loads(Path(path).read_text())
    (provider, schemas), = doc["provider_schemas"].items()
    table = json.loads((ROOT / "preflight" / "plan" / "replacements.json").read_text())
    wanted = sorted({e["terraform"] for e in table["types"].values() if e.get("terraform")} | set(GUIDE_ONLY))
    version = table.get("providerVersion", "")
    out = {"about": "Resource schemas of the Terraform AWS provider, reduced: per attribute r(equired) o(ptional) "
                    "c(omputed) s(ensitive); blocks with their nesting (list, set, single) and max items. "
                    "preflight adopt reads Terraform state with it.",
           "source": f"`terraform providers schema -json` of {provider} {version}, by tools/export_tf_schema.py",
           "types": {t: {"version": schemas["resource_schemas"][t].get("version", 0),
                         **reduce(schemas["resource_schemas"][t]["block"])}
                     for t in wanted if t in schemas["resource_schemas"]}}
    (ROOT / "preflight" / "plan" / "terraform_schema.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(len(out["types"]), "types")


if __name__ == "__main__":
    main(sys.argv[1])
