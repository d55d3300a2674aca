"""Request counters and a bounded request log (API paths only; never the Authorization header)."""
import threading
import time
from collections import Counter, deque

LOG_SIZE = 10000


class Stats:
    """Counters per path, route, status and query, plus the last LOG_SIZE requests."""

    def __init__(self):
        self._lock = threading.Lock()
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

    def record(self, entry, in_flight=0):
        """Count one request. `entry` has method, path, route, query (filters only), status, fault."""
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
            return snapshot
