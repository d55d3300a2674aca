"""Request counters and a bounded request log (API paths only; never the Authorization header); the write
counters and write log (`WriteStats`: form parameters, never secrets); the credential log of both listeners
(`RequestLog`); the KORE token counters (`TokenStats`)."""
import threading
import time
from collections import Counter, deque

LOG_SIZE = 10000
WRITE_METHODS = ("POST", "DELETE")


class Stats:
    """Counters per path, route, status and query, plus the last LOG_SIZE requests; write requests are also
    counted and logged by `writes` (a WriteStats)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.writes = WriteStats()
        self.reset()

    def reset(self):
        with self._lock:
            self.requests = 0
            self.by_path = Counter()
            self.by_route = Counter()
            self.by_status = Counter()
            self.by_query = Counter()
            self.by_path_status = {}
            self.by_query_status = {}
            self.faults = Counter()
            self.max_in_flight = 0
            self.log = deque(maxlen=LOG_SIZE)
        self.writes.reset()

    def record(self, entry, in_flight=0):
        """Count one request. `entry` has method, path, route, query (filters only), status, fault; a write
        request also `write` (see WriteStats.record)."""
        write = entry.pop("write", None)
        if entry["method"] in WRITE_METHODS:
            self.writes.record(entry, write or {})
        status = str(entry["status"])
        path, query = entry["path"], entry["query"]
        query_key = f"{path}?{query}" if query else path
        with self._lock:
            self.requests += 1
            self.by_path[path] += 1
            self.by_route[entry["route"]] += 1
            self.by_status[status] += 1
            self.by_query[query_key] += 1
            self.by_path_status.setdefault(path, Counter())[status] += 1
            self.by_query_status.setdefault(query_key, Counter())[status] += 1
            if entry.get("fault"):
                self.faults[entry["fault"]] += 1
            self.max_in_flight = max(self.max_in_flight, in_flight)
            self.log.append(dict(entry, time=round(time.time(), 3)))

    def snapshot(self, log=False):
        """A JSON-ready copy of the counters (and the log if asked)."""
        with self._lock:
            snapshot = {
                "requests": self.requests,
                "by_path": dict(self.by_path),
                "by_route": dict(self.by_route),
                "by_status": dict(self.by_status),
                "by_query": dict(self.by_query),
                "by_path_status": {key: dict(value) for key, value in self.by_path_status.items()},
                "by_query_status": {key: dict(value) for key, value in self.by_query_status.items()},
                "faults": dict(self.faults),
                "max_in_flight": self.max_in_flight,
            }
            if log:
                snapshot["log"] = list(self.log)
        snapshot["writes"] = self.writes.snapshot(log=False)
        return snapshot


class WriteStats:
    """Write requests (POST, DELETE on API paths): counters and the last LOG_SIZE writes with their form
    parameters (secrets redacted by the caller).

    `applied` counts, per resource, the writes that changed something (a create, a delete, an update that
    changed a field), whatever was answered: a write applied and then answered 503 by the
    `rate_5xx_after_apply` fault counts, so "no command was created twice" is `applied["sms_commands"] == n`.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.requests = 0
            self.by_method = Counter()
            self.by_route = Counter()
            self.by_path = Counter()
            self.by_status = Counter()
            self.by_resource = Counter()
            self.applied = Counter()
            self.applied_by_route = Counter()
            self.faults = Counter()
            self.log = deque(maxlen=LOG_SIZE)

    def record(self, entry, write):
        """Count one write: `entry` is the request's stats entry, `write` what the writer reported: resource,
        operation, params, sid, changed, applied."""
        status = str(entry["status"])
        applied = bool(write.get("applied"))
        resource = write.get("resource")
        with self._lock:
            self.requests += 1
            self.by_method[entry["method"]] += 1
            self.by_route[entry["route"]] += 1
            self.by_path[entry["path"]] += 1
            self.by_status[status] += 1
            if resource:
                self.by_resource[resource] += 1
            if applied:
                self.applied[resource] += 1
                self.applied_by_route[entry["route"]] += 1
            if entry.get("fault"):
                self.faults[entry["fault"]] += 1
            self.log.append({
                "method": entry["method"], "path": entry["path"], "route": entry["route"], "resource": resource,
                "operation": write.get("operation"), "sid": write.get("sid"), "params": write.get("params", {}),
                "status": entry["status"], "fault": entry.get("fault"), "applied": applied,
                "changed": write.get("changed", []), "time": round(time.time(), 3),
            })

    def snapshot(self, log=True):
        with self._lock:
            snapshot = {
                "requests": self.requests, "by_method": dict(self.by_method), "by_route": dict(self.by_route),
                "by_path": dict(self.by_path), "by_status": dict(self.by_status), "by_resource": dict(self.by_resource),
                "applied": dict(self.applied), "applied_by_route": dict(self.applied_by_route),
                "faults": dict(self.faults),
            }
            if log:
                snapshot["log"] = [dict(entry) for entry in self.log]
            return snapshot


class RequestLog:
    """Who presented which credential to which listener: every request on the API listener (except `/_sim/`
    admin paths) and on the token listener, as counters and the last LOG_SIZE entries.

    An entry has listener (`api`/`token`), method, path, auth (`none`/`basic`/`bearer`/another scheme),
    credential (the basic username or the bearer token; never a password), client_id (the token request's
    form field), client_secret (whether a client secret was sent, see `Kore.carries_secret`), status, time.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.counts = {}
            self.log = deque(maxlen=LOG_SIZE)

    def record(self, entry):
        entry["time"] = round(time.time(), 3)
        with self._lock:
            counts = self.counts.get(entry["listener"])
            if counts is None:
                counts = self.counts[entry["listener"]] = {"requests": 0, "auth": Counter(), "client_secret": 0}
            counts["requests"] += 1
            counts["auth"][entry["auth"]] += 1
            counts["client_secret"] += entry["client_secret"]
            self.log.append(entry)

    def snapshot(self, listener=None, log=True):
        """{"counts": {listener: {"requests", "auth": {scheme: n}, "client_secret": n}}, "log": [...]}."""
        with self._lock:
            snapshot = {"counts": {name: dict(counts, auth=dict(counts["auth"])) for name, counts in self.counts.items()}}
            if log:
                snapshot["log"] = [dict(entry) for entry in self.log if listener in (None, entry["listener"])]
            return snapshot


class TokenStats:
    """Counters of the token endpoint (requests, ok, failed, by_status, by_error, faults) and of the tokens
    (issued, revoked, and bearer tokens refused by the API: rejected_unknown/_expired/_revoked)."""

    EVENTS = ("issued", "revoked", "rejected_unknown", "rejected_expired", "rejected_revoked")

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.requests = self.ok = self.failed = 0
            self.by_status = Counter()
            self.by_error = Counter()
            self.faults = Counter()
            self.events = Counter({name: 0 for name in self.EVENTS})

    def record(self, status, error=None, fault=None):
        """Count one token request: its status (or "dropped"), OAuth error code and fault."""
        with self._lock:
            self.requests += 1
            if status == 200:
                self.ok += 1
            else:
                self.failed += 1
            self.by_status[str(status)] += 1
            if error:
                self.by_error[error] += 1
            if fault:
                self.faults[fault] += 1

    def count(self, event, number=1):
        with self._lock:
            self.events[event] += number

    def snapshot(self):
        with self._lock:
            return dict({"requests": self.requests, "ok": self.ok, "failed": self.failed,
                         "by_status": dict(self.by_status), "by_error": dict(self.by_error), "faults": dict(self.faults)},
                        **self.events)
