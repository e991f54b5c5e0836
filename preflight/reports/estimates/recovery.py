"""Recovery figures of a DR stack, computed from the program and the estimates data:

* RTO parts: detection (the origin-health alarm the program defines), DNS failover
  (recovery-times.yaml), and the failover `pulumi up` (`estimate_change` of drMode=active: the
  promotion, then everything drActive resizes) — with the time the database accepts writes.
* RPO parts: the replica-lag alarm threshold of the DR stack's config, S3 Replication Time
  Control, ECR replication.
* Cost of the standby and of the active stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from elite_policies.pricing.cost import estimate

from components.observability import ORIGIN_FAILOVER_PERIODS, ORIGIN_HEALTH_PERIOD

from ...engine.runner import StackRun, run_stack
from . import recovery_times, update_times
from .timeline import ChangePlan, estimate_change

DATABASE = "data-mysql"


@dataclass
class Recovery:
    stack: str
    plan: ChangePlan
    detection_seconds: float
    dns_seconds: float
    writable_seconds: float  # from the start of `up`: the promotion
    replica_lag_seconds: float
    assets_seconds: float
    images_seconds: float
    standby_usd: float
    active_usd: float

    @property
    def traffic_seconds(self) -> float:
        return self.detection_seconds + self.dns_seconds

    @property
    def capacity_seconds(self) -> float:
        return self.plan.timeline.critical_seconds


def recovery(stack: str, standby: StackRun | None = None) -> Recovery:
    standby = standby or run_stack(stack)
    active = run_stack(stack, overrides={"drMode": "active"})
    plan = estimate_change(standby, active)
    lag = standby.one("aws:cloudwatch/metricAlarm:MetricAlarm", "observability-mysql-replica-lag")
    times = recovery_times()
    return Recovery(
        stack=stack, plan=plan, detection_seconds=ORIGIN_HEALTH_PERIOD * ORIGIN_FAILOVER_PERIODS,
        dns_seconds=float(times["dns-failover"]["seconds"]),
        writable_seconds=float(update_times()["rds-promote"]["seconds"]),
        replica_lag_seconds=float(lag.inputs["threshold"]),
        assets_seconds=float(times["assets-replication"]["seconds"]),
        images_seconds=float(times["image-replication"]["seconds"]),
        standby_usd=estimate(standby).total, active_usd=estimate(active).total)


def recovery_lines(r: Recovery) -> list[str]:
    """The figures as plain text (the README quotes them; a test keeps them current)."""
    def minutes(seconds: float) -> str:
        return f"{seconds / 60:.1f} min"

    rows = [
        (f"traffic to {r.stack}", f"{minutes(r.traffic_seconds)} after the primary's targets fail "
         f"(detection {minutes(r.detection_seconds)} + DNS {minutes(r.dns_seconds)}; no deploy)"),
        ("writes accepted", f"{minutes(r.writable_seconds)} into `pulumi up` with drMode=active (the promotion)"),
        ("production capacity", f"{minutes(r.capacity_seconds)} into that `up` ({len(r.plan.created)} created, "
         f"{len(r.plan.updated)} updated, {len(r.plan.deleted)} deleted)"),
        ("RPO database", f"{r.replica_lag_seconds:.0f} s (the replica-lag alarm pages above it)"),
        ("RPO assets", f"{minutes(r.assets_seconds)} (S3 Replication Time Control, 99.99 %)"),
        ("RPO images", f"{minutes(r.images_seconds)} (ECR replication, no SLA)"),
        ("cost standby / active", f"{r.standby_usd:,.2f} / {r.active_usd:,.2f} USD per month"),
    ]
    width = max(len(label) for label, _ in rows) + 2
    return [f"{label:<{width}}{value}" for label, value in rows]
