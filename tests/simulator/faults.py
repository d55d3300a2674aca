"""Seeded fault injection and the in-flight request limit, for the API and for the KORE token endpoint.

One random draw per API request picks at most one fault, in this order of ranges:
429 (`rate_429`), 5xx (`rate_5xx`: 500 or 503 at random, or always `status_5xx` when set), dropped connection (`drop_rate`), truncated JSON (`truncate_rate`),
and for writes only (POST, DELETE) the write applied but its answer lost: 5xx after applying
(`rate_5xx_after_apply`), dropped connection after applying (`after_apply_drop_rate`); a read that draws one
of these gets no fault.
`latency_ms` is added to every API request; `max_concurrency` (0 = unlimited) answers 429 to a request
that arrives while that many are already in flight; `rate_limit` (requests a second, 0 = unlimited) is a token
bucket holding `rate_burst` requests (0: one second's worth, at least one): a request that finds it empty is
answered 429 with a `Retry-After` of the time until the next token.
`fail_after` and `fail_next`: after `fail_after` more API requests have drawn normally, the next `fail_next` ones
answer `fail_status` (401, 429 or a 5xx) before any draw, and before the request is applied; both count down.

The token endpoint has its own settings (`TokenFaultConfig`) and its own seeded draws: 401 (`rate_401`), 429,
5xx, dropped connection, in that order of ranges, plus `fail_next`: the next N token requests fail with
`fail_status` (401, 429 or a 5xx) before any draw.
"""
import math
import random
import threading
import time
from dataclasses import asdict, dataclass, fields

FAULT_429 = "429"
FAULT_5XX = "5xx"
FAULT_DROP = "drop"
FAULT_TRUNCATE = "truncate"
FAULT_5XX_AFTER_APPLY = "5xx_after_apply"
FAULT_DROP_AFTER_APPLY = "drop_after_apply"
AFTER_APPLY_FAULTS = (FAULT_5XX_AFTER_APPLY, FAULT_DROP_AFTER_APPLY)
FAULT_401 = "401"


@dataclass
class FaultConfig:
    """Fault settings; every field can be changed at run time."""

    rate_429: float = 0.0
    retry_after: float = 1.0
    rate_5xx: float = 0.0
    status_5xx: int = 0
    latency_ms: float = 0.0
    drop_rate: float = 0.0
    truncate_rate: float = 0.0
    max_concurrency: int = 0
    rate_limit: float = 0.0
    rate_burst: float = 0.0
    seed: int = 0
    rate_5xx_after_apply: float = 0.0
    after_apply_drop_rate: float = 0.0
    fail_after: int = 0
    fail_next: int = 0
    fail_status: int = 401


@dataclass
class TokenFaultConfig:
    """Fault settings of the KORE token endpoint; every field can be changed at run time."""

    rate_401: float = 0.0
    rate_429: float = 0.0
    retry_after: float = 1.0
    rate_5xx: float = 0.0
    status_5xx: int = 0
    drop_rate: float = 0.0
    latency_ms: float = 0.0
    fail_next: int = 0
    fail_status: int = 503
    seed: int = 0


# The ranges of one draw, in order: (fault, share setting).
DRAW_ORDER = {
    FaultConfig: ((FAULT_429, "rate_429"), (FAULT_5XX, "rate_5xx"), (FAULT_DROP, "drop_rate"),
                  (FAULT_TRUNCATE, "truncate_rate"), (FAULT_5XX_AFTER_APPLY, "rate_5xx_after_apply"),
                  (FAULT_DROP_AFTER_APPLY, "after_apply_drop_rate")),
    TokenFaultConfig: ((FAULT_401, "rate_401"), (FAULT_429, "rate_429"), (FAULT_5XX, "rate_5xx"), (FAULT_DROP, "drop_rate")),
}


def integer_fields(kind):
    return tuple(f.name for f in fields(kind) if f.type is int)


FAULT_NAMES = tuple(f.name for f in fields(FaultConfig))
INTEGER_FAULTS = integer_fields(FaultConfig)
TOKEN_FAULT_NAMES = tuple(f.name for f in fields(TokenFaultConfig))
TOKEN_INTEGER_FAULTS = integer_fields(TokenFaultConfig)


# Settings named like shares that are not: requests a second and the bucket size of the rate limit.
NOT_SHARES = ("rate_limit", "rate_burst")


def check_setting(name, value):
    """Raise ValueError for a value out of its setting's range."""
    is_share = (name.startswith("rate_") or name.endswith("_rate")) and name not in NOT_SHARES
    bad = (value < 0 or (is_share and value > 1) or (name == "status_5xx" and value and not 500 <= value <= 599)
           or (name == "fail_status" and value not in (401, 429) and not 500 <= value <= 599)
           or (name == "rate_burst" and 0 < value < 1))
    if bad:
        raise ValueError(f"fault setting {name}={value} out of range")


def fault_for_status(status):
    """The fault that answers `status` (401, 429 or a 5xx)."""
    return {401: FAULT_401, 429: FAULT_429}.get(status, FAULT_5XX)


class Faults:
    """Thread-safe fault decisions and in-flight accounting; `kind` is FaultConfig or TokenFaultConfig."""

    def __init__(self, config=None, kind=FaultConfig):
        self.kind = kind
        self.names = tuple(f.name for f in fields(kind))
        self.integers = integer_fields(kind)
        self.config = kind()
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self.in_flight = 0
        self._tokens = None        # the rate limit's bucket: None until the first request after a change
        self._refilled_at = 0.0
        self.update(**asdict(config or kind()))

    def update(self, **settings):
        """Change fault settings; unknown names or bad values raise ValueError. Returns the new settings."""
        unknown = set(settings) - set(self.names)
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {list(self.names)}")
        with self._lock:
            for name, value in settings.items():
                kind = int if name in self.integers else float
                value = kind(value if value is not None else 0)
                check_setting(name, value)
                setattr(self.config, name, value)
            if "seed" in settings:
                self._rng = random.Random(self.config.seed)
            if set(settings) & set(NOT_SHARES):
                self._tokens = None   # a new rate limit starts with a full bucket
            return asdict(self.config)

    def settings(self):
        with self._lock:
            return asdict(self.config)

    def draw(self):
        """The fault for this request (FAULT_* or None), and a 5xx status for FAULT_5XX."""
        with self._lock:
            config = self.config
            if getattr(config, "fail_next", 0) > 0 and getattr(config, "fail_after", 0) > 0:
                config.fail_after -= 1
            elif getattr(config, "fail_next", 0) > 0:
                config.fail_next -= 1
                if self.kind is FaultConfig and config.fail_status != 429:
                    # The API answers any status but 429 through its 5xx branch, with that status.
                    return FAULT_5XX, config.fail_status
                return fault_for_status(config.fail_status), config.fail_status
            roll = self._rng.random()
            status = config.status_5xx or self._rng.choice((500, 503))
        edge = 0.0
        for fault, name in DRAW_ORDER[self.kind]:
            edge += getattr(config, name)
            if roll < edge:
                return fault, status
        return None, status

    def take_token(self):
        """None when the rate limit lets this request through (taking a token), else the seconds until it would."""
        with self._lock:
            rate = getattr(self.config, "rate_limit", 0.0)
            if not rate:
                return None
            burst = self.config.rate_burst or max(1.0, rate)
            now = time.monotonic()
            if self._tokens is None:
                self._tokens = burst
            else:
                self._tokens = min(burst, self._tokens + (now - self._refilled_at) * rate)
            self._refilled_at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            return (1 - self._tokens) / rate

    def enter(self):
        """Count a request in flight; False (and nothing counted) if the concurrency limit is reached."""
        with self._lock:
            limit = self.config.max_concurrency
            if limit and self.in_flight >= limit:
                return False
            self.in_flight += 1
            return True

    def leave(self):
        with self._lock:
            self.in_flight -= 1

    @property
    def retry_after(self):
        """The Retry-After header value: whole seconds as an integer, fractions as a decimal."""
        return f"{self.config.retry_after:g}"

    @property
    def latency(self):
        return self.config.latency_ms / 1000.0


def seconds_header(seconds):
    """The Retry-After value of a computed wait: whole seconds as an integer, fractions as a decimal, rounded up to
    a millisecond (never sooner than the wait)."""
    return f"{math.ceil(round(seconds * 1000, 6)) / 1000:g}"
