"""The stack's settings: `pulumi.Config` -> one validated, typed object.

Defaults live in Pulumi.yaml (the CLI merges them under the stack file); this module only
validates. Every environment difference is a value here, never a branch on the stack name.
A bad value stops the program in `load_stack_config`, before any resource is registered,
with one message naming the key, the value and what is allowed.

The package keeps the parts apart by what they validate: `values` (one setting), `model` (the
settings together), `stacks` (what other stacks say), `loading` (reading pulumi.Config). Every
name is importable from `components.config` as before.
"""

from __future__ import annotations

from .loading import (  # noqa: F401
    _as_written,
    _aws_provider_keys,
    _format,
    _plaintext_secrets,
    _raw_value,
    _unknown_keys,
    load_stack_config,
    require_account,
)
from .model import (  # noqa: F401
    SUPPLIED_SECRET_KEYS,
    AdoptedDatabase,
    CacheNodeType,
    DbInstanceClass,
    ReadReplica,
    ServiceCapacity,
    ServiceSpec,
    Settings,
    StackConfig,
    SuppliedSecrets,
    _Model,
    log_class,
)
from .stacks import (  # noqa: F401
    _apply_dr_active,
    _check_assets_failover,
    _check_standby,
    _overlay,
    available_stacks,
    stack_file_config,
)
from .values import (  # noqa: F401
    _AWS_REGION,
    _DAILY_WINDOW,
    _DAYS,
    _TAG_VALUE,
    _WEEK,
    _WEEKLY_WINDOW,
    CACHE_ENGINE_VERSIONS,
    CLOUDFRONT_ALLOWED_POLICIES,
    CLOUDFRONT_TLS12_POLICIES,
    DR_FIXED_KEYS,
    DR_MODES,
    ENHANCED_MONITORING_INTERVALS,
    FARGATE_MEMORY,
    FROM_PRIMARY,
    LOG_RETENTION_DAYS,
    MAX_PUBLIC_SERVICE_NAME,
    PROJECT,
    PROJECT_DIR,
    SUPPORTED_REGIONS,
    AzCount,
    ConfigError,
    DailyWindow,
    LogRetention,
    PrivateCidr16,
    Region,
    StackName,
    TagValue,
    WeeklyWindow,
    _check,
    _daily_span,
    _daily_window,
    _dedicated_masters,
    _dr_mode,
    _log_retention,
    _minutes,
    _monitoring_interval,
    _mysql_version,
    _private_16,
    _qualified,
    _region,
    _RuleError,
    _tag_value,
    _weekly_span,
    _weekly_window,
    _with_suggestion,
    at,
    daily_window_minutes,
    is_daily_window,
    is_weekly_window,
    weekly_window_minutes,
    windows_overlap,
)
