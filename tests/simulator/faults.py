"""Seeded fault injection and the in-flight request limit.

One random draw per API request picks at most one fault, in this order of ranges:
429 (`rate_429`), 5xx (`rate_5xx`: 500 or 503 at random, or always `status_5xx` when set), dropped connection (`drop_rate`), truncated JSON (`truncate_rate`).
`latency_ms` is added to every API request; `max_concurrency` (0 = unlimited) answers 429 to a request
that arrives while that many are already in flight.
"""
import random
import threading
from dataclasses import asdict, dataclass, fields

FAULT_429 = "429"
FAULT_5XX = "5xx"
FAULT_DROP = "drop"
FAULT_TRUNCATE = "truncate"


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
    seed: int = 0


FAULT_NAMES = tuple(f.name for f in fields(FaultConfig))
INTEGER_FAULTS = ("max_concurrency", "seed", "status_5xx")


class Faults:
    """Thread-safe fault decisions and in-flight accounting."""

    def __init__(self, config=None):
        self.config = FaultConfig()
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self.in_flight = 0
        self.update(**asdict(config or FaultConfig()))

    def update(self, **settings):
        """Change fault settings; unknown names or bad values raise ValueError. Returns the new settings."""
        unknown = set(settings) - set(FAULT_NAMES)
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {list(FAULT_NAMES)}")
        with self._lock:
            for name, value in settings.items():
                kind = int if name in INTEGER_FAULTS else float
                value = kind(value if value is not None else 0)
                is_share = name.startswith("rate_") or name.endswith("_rate")
                if value < 0 or (is_share and value > 1) or (name == "status_5xx" and value and not 500 <= value <= 599):
                    raise ValueError(f"fault setting {name}={value} out of range")
                setattr(self.config, name, value)
            if "seed" in settings:
                self._rng = random.Random(self.config.seed)
            return asdict(self.config)

    def settings(self):
        with self._lock:
            return asdict(self.config)

    def draw(self):
        """The fault for this request (FAULT_* or None), and a 5xx status for FAULT_5XX."""
        with self._lock:
            config = self.config
            roll = self._rng.random()
            status = config.status_5xx or self._rng.choice((500, 503))
        edge = 0.0
        for fault, rate in ((FAULT_429, config.rate_429), (FAULT_5XX, config.rate_5xx),
                            (FAULT_DROP, config.drop_rate), (FAULT_TRUNCATE, config.truncate_rate)):
            edge += rate
            if roll < edge:
                return fault, status
        return None, status

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
