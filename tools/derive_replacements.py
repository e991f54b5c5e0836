"""Ask terraform-provider-aws which input changes force a replacement, per resource type.

Not needed by the product or the tests; reproduces preflight/plan/replacements.json where a provider
mirror exists. In a scratch directory WORK (default /tmp/replacements-probe), with grpcio-tools
and msgpack in some virtualenv (not the project's: grpcio-tools pins its own protobuf):

    python -m grpc_tools.protoc -I tools --python_out=$WORK --grpc_python_out=$WORK tfplugin5_min.proto
    WORK=$WORK TF_PROVIDER=<mirror>/terraform-provider-aws_v5.100.0_x5 python tools/derive_replacements.py --schema
    WORK=$WORK ... python tools/derive_replacements.py aws_db_instance aws_vpc ...   (names from tools/export_replacements.py)
    .venv/bin/python tools/export_replacements.py
"""

import json
import os
import pickle
import subprocess
import sys

WORK = os.environ.get("WORK", "/tmp/replacements-probe")
sys.path.insert(0, WORK)
import grpc
import msgpack
import tfplugin5_min_pb2 as pb
import tfplugin5_min_pb2_grpc as pbg

BIN = os.environ.get(
    "TF_PROVIDER",
    "/opt/tf-plugins/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5",
)


def start():
    env = dict(
        os.environ,
        TF_PLUGIN_MAGIC_COOKIE="d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        PLUGIN_PROTOCOL_VERSIONS="5",
    )
    p = subprocess.Popen([BIN], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    parts = p.stdout.readline().strip().split("|")
    ch = grpc.insecure_channel("unix:" + parts[3], options=[("grpc.max_receive_message_length", 512 * 1024 * 1024)])
    return p, pbg.ProviderStub(ch)


UNKNOWN = msgpack.ExtType(0, b"\x00")


def value(ty, variant):
    if isinstance(ty, str):
        if ty == "string":
            return "a" if variant == 0 else "b"
        if ty == "number":
            return 1 if variant == 0 else 2
        if ty == "bool":
            return variant == 1
        if ty == "dynamic":
            return [json.dumps("string").encode(), "a" if variant == 0 else "b"]
    kind = ty[0]
    if kind in ("list", "set"):
        return [value(ty[1], variant)]
    if kind == "map":
        return {"k": value(ty[1], variant)}
    if kind == "object":
        return {k: value(t, variant) for k, t in ty[1].items()}
    if kind == "tuple":
        return [value(t, variant) for t in ty[1]]
    raise ValueError(ty)


def block_value(block, variant, mode, depth=0):
    """mode: 'prior' (all set), 'config' (no computed-only), 'null' (all null)"""
    out = {}
    for a in block.attributes:
        ty = json.loads(a.type)
        if (mode == "config" and a.computed and not a.optional and not a.required) or a.write_only:
            out[a.name] = None
        elif a.name == "id":
            out[a.name] = "i-prior" if mode == "prior" else None
        else:
            out[a.name] = value(ty, variant)
    for nb in block.block_types:
        if nb.type_name == "timeouts" or depth >= 3:
            out[nb.type_name] = (
                None
                if nb.nesting == 1
                else ({} if nb.nesting == 4 else [] if nb.nesting in (2, 3) else null_block(nb.block))
            )
            continue
        inner = block_value(nb.block, variant, mode, depth + 1)
        n = nb.nesting
        out[nb.type_name] = inner if n in (1, 5) else [inner] if n in (2, 3) else {"k": inner}
    return out


def null_block(block):
    out = {a.name: None for a in block.attributes}
    for nb in block.block_types:
        out[nb.type_name] = (
            None
            if nb.nesting == 1
            else (
                {a.name: None for a in nb.block.attributes} if nb.nesting == 5 else ([] if nb.nesting in (2, 3) else {})
            )
        )
    return out


def dv(v):
    return pb.DynamicValue(msgpack=msgpack.packb(v, use_bin_type=True))


def path_of(ap):
    out = []
    for s in ap.steps:
        w = s.WhichOneof("selector")
        out.append(getattr(s, w) if w == "attribute_name" else ("*"))
    return [x for x in out if x != "*"]


def configure(stub, provider_schema):
    cfg = null_block(provider_schema.block)
    cfg.update(
        region="us-east-1",
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="x",
        skip_credentials_validation=True,
        skip_requesting_account_id=True,
        skip_metadata_api_check="true",
        skip_region_validation=True,
    )
    r = stub.Configure(pb.Configure.Request(terraform_version="1.11.4", config=dv(cfg)), timeout=60)
    return [d.summary for d in r.diagnostics if d.severity == 1]


def plan(stub, name, schema, prior, config):
    proposed = dict(prior)
    for k, v in config.items():
        if v is not None:
            proposed[k] = v
    r = stub.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=name, prior_state=dv(prior), proposed_new_state=dv(proposed), config=dv(config)
        ),
        timeout=60,
    )
    errors = [f"{d.summary}: {d.detail}"[:200] for d in r.diagnostics if d.severity == 1]
    return sorted({".".join(path_of(p)) for p in r.requires_replace}), errors


ARN = "arn:aws:logs:us-east-1:123456789012:delivery-destination:"
def _lifecycle_rule(rule_id, status):
    empty = ("abort_incomplete_multipart_upload", "expiration", "filter", "noncurrent_version_expiration",
             "noncurrent_version_transition", "transition")
    return {"id": rule_id, "status": status, "prefix": None, **{k: [] for k in empty}}


PAIRS = {
    "aws_cloudwatch_log_delivery": {"delivery_destination_arn": (ARN + "a", ARN + "b")},
    "aws_elasticache_replication_group": {"engine_version": ("7.0", "7.1")},
    "aws_s3_bucket_lifecycle_configuration": {
        "transition_default_minimum_object_size": ("varies_by_storage_class", "all_storage_classes_128K"),
        "rule": ([_lifecycle_rule("a", "Enabled")], [_lifecycle_rule("b", "Disabled")]),
    },
}
BASELINE = {
    "aws_cloudwatch_metric_alarm": {"statistic": "Average"},
    "aws_nat_gateway": {"connectivity_type": "private"},
    "aws_elasticache_replication_group": {"automatic_failover_enabled": True},
    "aws_lb_target_group": {"target_type": "ip", "port": 80, "protocol": "HTTP", "vpc_id": "vpc-1"},
    "aws_kinesis_firehose_delivery_stream": {
        "destination": "opensearch",
        "name": "n",
        "opensearch_configuration": "FROM_PRIOR",
    },
    "aws_sns_topic": {"fifo_topic": True},
    "aws_sns_topic_subscription": {"filter_policy": "{}"},
}


def dump_schemas() -> None:
    p, stub = start()
    r = stub.GetSchema(pb.GetProviderSchema.Request(), timeout=120)
    pickle.dump({k: v.SerializeToString() for k, v in r.resource_schemas.items()}, open(WORK + "/schemas.pkl", "wb"))
    pickle.dump(r.provider.SerializeToString(), open(WORK + "/provider.pkl", "wb"))
    p.kill()


if __name__ == "__main__":
    if sys.argv[1:] == ["--schema"]:
        dump_schemas()
        sys.exit(0)
    names = sys.argv[1:]
    import os.path

    done = json.load(open(WORK + "/result.json")) if os.path.exists(WORK + "/result.json") else {}
    schemas = pickle.load(open(WORK + "/schemas.pkl", "rb"))
    prov = pb.Schema()
    prov.ParseFromString(pickle.load(open(WORK + "/provider.pkl", "rb")))
    p, stub = start()
    print("configure", configure(stub, prov))
    result = dict(done)
    for name in names:
        if name in result:
            continue
        s = pb.Schema()
        s.ParseFromString(schemas[name])
        inputs = [
            a.name for a in s.block.attributes if (a.optional or a.required) and a.name != "id" and not a.write_only
        ]
        inputs += [b.type_name for b in s.block.block_types if b.type_name != "timeouts"]
        full_prior = block_value(s.block, 0, "prior")
        full_config = block_value(s.block, 1, "config")
        for key, (a, b) in PAIRS.get(name, {}).items():
            full_prior[key], full_config[key] = a, b
        has_id = any(a.name == "id" for a in s.block.attributes)
        base = {k: (full_prior[k] if v == "FROM_PRIOR" else v) for k, v in BASELINE.get(name, {}).items()}
        replace = set()
        errors = []
        for key in inputs:
            prior = null_block(s.block)
            config = null_block(s.block)
            if has_id:
                prior["id"] = "i-prior"
            for k, v in base.items():
                if k != key:
                    prior[k] = config[k] = v
            prior[key] = full_prior[key]
            config[key] = full_config[key]
            try:
                rr, ee = plan(stub, name, s, prior, config)
            except grpc.RpcError as exc:
                rr, ee = [], [f"rpc: {exc.code()}"]
            if ee:
                errors.append((key, ee[0]))
            replace.update(r for r in rr if r != "id")
        result[name] = {"replace": sorted(replace), "errors": errors, "schema_version": s.version, "inputs": inputs}
        print(name, sorted(replace), errors[:3], flush=True)
        json.dump(result, open(WORK + "/result.json", "w"), indent=1)
    p.kill()
    json.dump(result, open(WORK + "/result.json", "w"), indent=1)
