"""What one setting may be: the accepted values (AWS's enumerations and ranges), the validators of
single fields, maintenance-window arithmetic, and the error a bad value raises."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any

import pulumi
from pydantic import (
    AfterValidator,
    Field,
)

PROJECT = "elite-locadora"
PROJECT_DIR = Path(__file__).resolve().parents[2]

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)
ENHANCED_MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
# CloudFront viewer policies with a TLS 1.2 floor, oldest first.
CLOUDFRONT_TLS12_POLICIES = ("TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025",
                             "TLSv1.3_2025")
CLOUDFRONT_ALLOWED_POLICIES = CLOUDFRONT_TLS12_POLICIES[2:]
# Fargate task sizes: CPU units -> allowed memory (MiB).
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_DAILY_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-"
    r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$")
# ElastiCache engine versions the program accepts (each with a parameter group family).
CACHE_ENGINE_VERSIONS = {"valkey": ("7.2", "8.0", "8.1"), "redis": ("7.0", "7.1")}
# `compute-<name>-tg-xxxxxxx` within ELB's 32 characters.
MAX_PUBLIC_SERVICE_NAME = 32 - len("compute--tg") - 8
# A DR stack's service runs the image its primary stack runs for the same service, pulled from
# this region's replica of the repository.
FROM_PRIMARY = "primary"
DR_MODES = ("", "standby", "active")
# Keys drActive may not change: what makes the stack a DR stack, and where and whose it is.
DR_FIXED_KEYS = ("standbyFor", "drMode", "drActive", "originFailover", "accountId")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


class ConfigError(pulumi.RunError):
    """Bad stack configuration; the message names the key, the value and what is allowed."""


# --- field validators ----------------------------------------------------------------------


def _private_16(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 network like 10.0.0.0/16 ({exc})") from None
    if net.prefixlen != 16:
        raise ValueError("must be a /16: the subnet layout carves /24s at fixed offsets")
    if not any(net.subnet_of(ipaddress.IPv4Network(r)) for r in
               ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")):
        raise ValueError("must be an RFC 1918 private range (10/8, 172.16/12, 192.168/16)")
    return value


# The regions this project has prices (policies/elite_policies/pricing/prices-<region>.json) and zone data
# for: providers skip region validation, so a typo would otherwise reach AWS only at `up`.
SUPPORTED_REGIONS = ("us-east-1", "us-west-2")
# A tag value as AWS accepts it: letters, digits, spaces and _ . : / = + - @, at most 256.
_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")


def _tag_value(value: str) -> str:
    if not _TAG_VALUE.match(value):
        raise ValueError("must be a tag value AWS accepts: 1-256 letters, digits, spaces and _ . : / = + - @")
    return value


TagValue = Annotated[str, AfterValidator(_tag_value)]


def _region(value: str) -> str:
    if not _AWS_REGION.match(value):
        raise ValueError("must be an AWS region code such as us-east-1")
    if value not in SUPPORTED_REGIONS:
        raise ValueError(f"must be one of the regions this project has prices and zone data for: "
                         f"{', '.join(SUPPORTED_REGIONS)} (another needs its prices-<region>.json and zones)")
    return value


def at(field: str, message: str) -> ValueError:
    """A model validator's error about one field of the entry (its path in the message)."""
    return ValueError(f"@{field} {message}")


def _daily_window(value: str) -> str:
    if not _DAILY_WINDOW.match(value):
        raise ValueError("must be a daily UTC window hh24:mi-hh24:mi, e.g. 03:00-04:00")
    return value


def _weekly_window(value: str) -> str:
    if not _WEEKLY_WINDOW.match(value):
        raise ValueError("must be a weekly UTC window ddd:hh24:mi-ddd:hh24:mi, "
                         "e.g. sun:05:00-sun:06:00")
    return value


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"CloudWatch Logs accepts only {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return value


def _monitoring_interval(value: int) -> int:
    if value not in ENHANCED_MONITORING_INTERVALS:
        raise ValueError(f"must be one of {', '.join(map(str, ENHANCED_MONITORING_INTERVALS))}")
    return value


def _mysql_version(value: str) -> str:
    if not re.match(r"^8\.(0|4)(\.\d+)?$", value):
        raise ValueError("must be a MySQL 8.4 or 8.0 version, e.g. 8.4 or 8.4.7")
    return value


def _dr_mode(value: str) -> str:
    if value not in DR_MODES:
        raise ValueError("must be standby or active (or empty outside a DR stack)")
    return value


def _dedicated_masters(value: int) -> int:
    if value not in (0, 3, 5):
        raise ValueError("must be 0 (none), 3 or 5: OpenSearch needs an odd quorum of dedicated masters")
    return value


Region = Annotated[str, AfterValidator(_region)]
StackName = Annotated[str, Field(pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$", max_length=40)]
PrivateCidr16 = Annotated[str, AfterValidator(_private_16)]
DailyWindow = Annotated[str, AfterValidator(_daily_window)]
WeeklyWindow = Annotated[str, AfterValidator(_weekly_window)]
LogRetention = Annotated[int, AfterValidator(_log_retention)]
AzCount = Annotated[int, Field(ge=2, le=6)]


def _minutes(day: int, hh: str, mm: str) -> int:
    return day * 24 * 60 + int(hh) * 60 + int(mm)


def _weekly_span(window: str) -> set[int]:
    d1, h1, m1, d2, h2, m2 = _WEEKLY_WINDOW.match(window).groups()  # type: ignore[union-attr]
    start, end = _minutes(_DAYS.index(d1), h1, m1), _minutes(_DAYS.index(d2), h2, m2)
    length = (end - start) % _WEEK
    return {(start + i) % _WEEK for i in range(length)}


def _daily_span(window: str) -> set[int]:
    h1, m1, h2, m2 = _DAILY_WINDOW.match(window).groups()  # type: ignore[union-attr]
    start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
    length = (end - start) % (24 * 60)
    return {(day * 24 * 60 + start + i) % _WEEK for day in range(7) for i in range(length)}


def daily_window_minutes(window: str) -> int:
    """Length of a daily UTC window (it may wrap past midnight)."""
    h1, m1, h2, m2 = _DAILY_WINDOW.match(window).groups()  # type: ignore[union-attr]
    return (int(h2) * 60 + int(m2) - int(h1) * 60 - int(m1)) % (24 * 60)


def weekly_window_minutes(window: str) -> int:
    """Length of a weekly UTC window (it may wrap past Sunday)."""
    return len(_weekly_span(window))


def is_daily_window(value: str) -> bool:
    return bool(_DAILY_WINDOW.match(value))


def is_weekly_window(value: str) -> bool:
    return bool(_WEEKLY_WINDOW.match(value))


def windows_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily window (backups, snapshots) meets a weekly maintenance window."""
    return bool(_daily_span(daily) & _weekly_span(weekly))



class _RuleError(ValueError):
    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(f"{_qualified(key)} = {value!r}: must be {allowed}")


def _check(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise _RuleError(key, value, allowed)


def _qualified(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


def _with_suggestion(key: str, known: set[str]) -> str:
    from difflib import get_close_matches

    near = get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f"{key} (did you mean {near[0]}?)" if near else key
