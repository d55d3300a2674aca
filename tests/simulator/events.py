"""Super SIM Connection Events, sent as KORE Event Streams sends them to a webhook destination.

`EventEmitter` watches the simulated fleet and sends CloudEvents 1.0 (schema v2 `data`) in signed batches:

- Batches: a JSON array of at most `batch_size` (50) events, sent when full or `flush_seconds` after its first
  event. Headers as KORE sends them: `content-type: application/json`, `user-agent: KoreProxy/1.1`, `date`,
  `kore-idempotency-token` (the same on every attempt of a batch) and `kore-signature`: the hex SHA-256 of
  secret + "POST" + URL (no query string, no fragment) + raw body.
- Retries: an answer other than 2xx within `read_timeout` seconds (5xx, a timeout, a refused connection; 4xx
  too, as KORE does) is retried with the same body and token after `retry_seconds`, doubling, at most
  `max_attempts` attempts in all; `duplicate_rate` (seeded) delivers a share of the accepted batches once more,
  as a sender that missed the answer does.
- What makes events: a Super SIM that becomes `active` attaches (`attachment.accepted`, then
  `data-session.started`); one that leaves `active` ends its open data session (`data-session.ended`) and each
  attach attempt of a SIM that is not `ready` or `active` is rejected; `activity_rate` events per second of
  random activity of the fleet (seeded); and the methods `attach`, `reject`, `fail`, `session`, `emit` called by
  tests and demos.

Every delivery is in `deliveries()` (token, attempt, status, events, error) and counted in `stats()`.
"""
import email.utils
import functools
import hashlib
import json
import os
import random
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, deque
from dataclasses import asdict, dataclass, fields
from urllib.parse import urlsplit

from .fleet import iso


def free_port():
    """A TCP port free on 127.0.0.1 now: for a webhook receiver (an event source) the events are sent to."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def java_home():
    """JAVA_HOME for ansible-rulebook, which receives the events: the environment's, or the one of `java` on PATH;
    None when there is no Java runtime."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    return os.path.dirname(os.path.dirname(os.path.realpath(java))) if java else None


TYPE_PREFIX = "com.korewireless.iot."
SOURCE = "/v1/Sims/{sim}"
DATASCHEMA = "https://events-schemas.korewireless.com/SuperSim.ConnectionEvent/2"
KINDS = ("supersim.connection.attachment.accepted", "supersim.connection.attachment.rejected",
         "supersim.connection.attachment.failed", "supersim.connection.data-session.started",
         "supersim.connection.data-session.updated", "supersim.connection.data-session.ended",
         "supersim.connection.data-session.failed")
ATTACHABLE = ("ready", "active")
REJECTION = {"code": 42301, "message": "The Super SIM is not ready or active"}
ATTACH_FAILURE = {"code": 42302, "message": "Network authentication failed"}
SESSION_FAILURE = {"code": 42304, "message": "The APN is not allowed"}
DELIVERY_LOG = 10000


def _making(method):
    """Events are made one at a time (tests, the status watcher and the activity thread share the seeded
    random generator and the open sessions)."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._make_lock:
            return method(self, *args, **kwargs)
    return locked


def kore_signature(secret, method, url, body):
    """KORE's `kore-signature`: hex SHA-256 of secret + METHOD + URL without query and fragment + raw body."""
    parts = urlsplit(url)
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return hashlib.sha256(secret.encode() + method.upper().encode() + url.encode() + body).hexdigest()


@dataclass
class EventConfig:
    """Where and how events are sent; each field has a `--events-*` flag."""

    url: str = None
    secret: str = "simulator-signing-secret"
    # The URL the sender is configured with and signs, when a proxy forwards from it to `url` (default: `url`).
    signed_url: str = None
    batch_size: int = 50
    flush_seconds: float = 0.2
    read_timeout: float = 5.0
    max_attempts: int = 5
    retry_seconds: float = 0.5
    duplicate_rate: float = 0.0
    activity_rate: float = 0.0
    watch_status: bool = True
    seed: int = 1

    def __post_init__(self):
        if not self.url or urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError(f"events url must be an http or https URL, got {self.url!r}")
        if not 1 <= int(self.batch_size) <= 1000:
            raise ValueError(f"events batch_size must be between 1 and 1000, got {self.batch_size!r}")
        if int(self.max_attempts) < 1:
            raise ValueError(f"events max_attempts must be at least 1, got {self.max_attempts!r}")
        for name in ("flush_seconds", "read_timeout", "retry_seconds", "activity_rate"):
            if float(getattr(self, name)) < 0:
                raise ValueError(f"events {name} must be 0 or more, got {getattr(self, name)!r}")
        if not 0 <= float(self.duplicate_rate) <= 1:
            raise ValueError(f"events duplicate_rate must be between 0 and 1, got {self.duplicate_rate!r}")


EVENT_SETTINGS = tuple(f.name for f in fields(EventConfig))


class EventEmitter:
    """Sends the Connection Events of one account's Super SIMs (`store`: the simulator's Store)."""

    def __init__(self, store, account_sid, config, clock=None):
        self.store, self.account_sid, self.config = store, account_sid, config
        self._clock = clock or (lambda: iso(time.time()))
        self._rng = random.Random(f"{config.seed}-events")
        self._send_rng = random.Random(f"{config.seed}-event-deliveries")
        self._pending = deque()
        self._cond = threading.Condition()
        self._make_lock = threading.RLock()
        self._stopped = threading.Event()
        self._threads = []
        self._in_flight = 0
        self._log = deque(maxlen=DELIVERY_LOG)
        self._counts = Counter()
        self._sessions = {}  # SIM SID -> open data session {sid, start, download, upload}
        self._statuses = None
        self._version = None

    # Lifecycle

    def start(self):
        self._statuses = self._sim_statuses()
        self._version = self.store.version
        self._spawn(self._send_loop, "events-sender")
        if self.config.watch_status:
            self._spawn(self._watch_loop, "events-status-watch")
        if self.config.activity_rate > 0:
            self._spawn(self._activity_loop, "events-activity")
        return self

    def stop(self):
        self._stopped.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(10)

    def _spawn(self, target, name):
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # Making events

    def _sims(self):
        with self.store.lock:
            return list(self.store.tables(self.account_sid)["supersim_sims"].records)

    def _sim_statuses(self):
        return {record["sid"]: record["status"] for record in self._sims()}

    def sim(self, ident):
        """The Super SIM record of a SID, unique name or ICCID (KeyError if none)."""
        for record in self._sims():
            if ident in (record["sid"], record.get("unique_name"), record.get("iccid")):
                return record
        raise KeyError(f"no Super SIM {ident!r} in account {self.account_sid}")

    def _network(self):
        networks = sorted(self.store.networks().values(), key=lambda record: record["sid"])
        if not networks:
            return None
        network = self._rng.choice(networks)
        identifier = (network.get("identifiers") or [{}])[0]
        return {"mcc": identifier.get("mcc"), "mnc": identifier.get("mnc"), "sid": network["sid"],
                "friendly_name": network.get("friendly_name"), "iso_country": network.get("iso_country")}

    def cloudevent(self, kind, sim, **data):
        """A CloudEvent of `kind` (a suffix of KINDS) for the Super SIM record `sim`; `data` adds or replaces fields."""
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}; known: {', '.join(KINDS)}")
        event_id = "EZ" + uuid.UUID(int=self._rng.getrandbits(128)).hex
        now = self._clock()
        body = {
            "event_sid": event_id, "event_type": TYPE_PREFIX + kind, "account_sid": self.account_sid,
            "sim_sid": sim["sid"], "sim_iccid": sim.get("iccid"), "sim_unique_name": sim.get("unique_name"),
            "fleet_sid": sim.get("fleet_sid"), "timestamp": now, "network": self._network(),
            "imei": "35%013d" % self._rng.randrange(10 ** 13), "imsi": "2040%011d" % self._rng.randrange(10 ** 11),
            "rat_type": "LTE", "apn": "super", "ip_address": None, "error": None,
        }
        body.update(data)
        return {"specversion": "1.0", "type": TYPE_PREFIX + kind, "source": SOURCE.format(sim=sim["sid"]),
                "id": event_id, "time": now, "dataschema": DATASCHEMA, "datacontenttype": "application/json",
                "data": body}

    @_making
    def emit(self, kind, sim, **data):
        """Queue one event for the next batch (`sim`: a record or an identifier); returns the CloudEvent."""
        record = sim if isinstance(sim, dict) else self.sim(sim)
        event = self.cloudevent(kind, record, **data)
        with self._cond:
            self._pending.append(event)
            self._counts["events"] += 1
            self._cond.notify_all()
        return event

    @_making
    def attach(self, sim):
        """An attach attempt: accepted (and a data session started) for a ready or active SIM, else rejected."""
        record = sim if isinstance(sim, dict) else self.sim(sim)
        if record["status"] not in ATTACHABLE:
            return [self.reject(record)]
        events = [self.emit("supersim.connection.attachment.accepted", record)]
        if record["sid"] not in self._sessions:
            events.append(self._start_session(record))
        return events

    @_making
    def reject(self, sim, times=1, error=None):
        """`times` rejected attach attempts; returns the last event."""
        event = None
        for dummy in range(times):
            event = self.emit("supersim.connection.attachment.rejected", sim, error=dict(error or REJECTION))
        return event

    @_making
    def fail(self, sim):
        return self.emit("supersim.connection.attachment.failed", sim, error=dict(ATTACH_FAILURE))

    def _start_session(self, record):
        session = {"sid": "SS" + uuid.UUID(int=self._rng.getrandbits(128)).hex, "start": self._clock(), "download": 0,
                   "upload": 0}
        self._sessions[record["sid"]] = session
        return self.emit("supersim.connection.data-session.started", record, **self._session_fields(session))

    def _session_fields(self, session, download=0, upload=0):
        return {"data_session_sid": session["sid"], "data_session_start_time": session["start"],
                "data_session_data_download": session["download"], "data_session_data_upload": session["upload"],
                "data_session_data_total": session["download"] + session["upload"], "data_download": download,
                "data_upload": upload, "data_total": download + upload,
                "ip_address": "10.%d.%d.%d" % (self._rng.randrange(256), self._rng.randrange(256), self._rng.randrange(1, 255))}

    @_making
    def session(self, sim, download=0, upload=0, end=False):
        """Data session traffic of a SIM: starts a session if none is open, reports `download`/`upload` bytes in a
        `data-session.updated` event, and with `end` ends it. Returns the events."""
        record = sim if isinstance(sim, dict) else self.sim(sim)
        events = []
        if record["sid"] not in self._sessions:
            events.append(self._start_session(record))
        session = self._sessions[record["sid"]]
        if download or upload:
            session["download"] += download
            session["upload"] += upload
            events.append(self.emit("supersim.connection.data-session.updated", record,
                                    **self._session_fields(session, download, upload)))
        if end:
            events.append(self._end_session(record))
        return events

    def _end_session(self, record):
        session = self._sessions.pop(record["sid"])
        return self.emit("supersim.connection.data-session.ended", record, data_session_end_time=self._clock(),
                         **self._session_fields(session))

    # What the fleet does on its own

    def _watch_loop(self):
        while not self._stopped.wait(0.05):
            if self.store.version == self._version:
                continue
            self._version = self.store.version
            self.status_changes()

    @_making
    def status_changes(self):
        """Events for the Super SIMs whose status changed since the last look; returns them."""
        events = []
        before, sims = self._statuses, self._sims()
        self._statuses = {record["sid"]: record["status"] for record in sims}
        for record in sims:
            old = before.get(record["sid"])
            if old == record["status"]:
                continue
            if record["status"] == "active":
                events += self.attach(record)
            elif old == "active" and record["sid"] in self._sessions:
                events.append(self._end_session(record))
        return events

    def _activity_loop(self):
        while not self._stopped.wait(1.0 / self.config.activity_rate):
            self.activity()

    @_making
    def activity(self, record=None):
        """One random step of a SIM's life (`record`, else a SIM drawn from the fleet): attach, data traffic, end of
        session, or a failed attach; an attach of a SIM that is not ready or active is rejected."""
        if record is None:
            sims = self._sims()
            if not sims:
                return []
            record = self._rng.choice(sims)
        draw = self._rng.random()
        if record["status"] not in ATTACHABLE or draw < 0.05:
            return [self.reject(record) if record["status"] not in ATTACHABLE else self.fail(record)]
        if record["sid"] not in self._sessions:
            return self.attach(record)
        if draw < 0.8:
            return self.session(record, download=self._rng.randrange(1, 200_000), upload=self._rng.randrange(1, 50_000))
        return self.session(record, end=True)

    # Sending

    def _send_loop(self):
        while True:
            with self._cond:
                while not self._pending and not self._stopped.is_set():
                    self._cond.wait()
                if not self._pending:
                    return
                deadline = time.monotonic() + self.config.flush_seconds
                while len(self._pending) < self.config.batch_size and not self._stopped.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                batch = [self._pending.popleft() for dummy in range(min(self.config.batch_size, len(self._pending)))]
                self._in_flight += len(batch)
            try:
                self._deliver(batch)
            finally:
                with self._cond:
                    self._in_flight -= len(batch)
                    self._cond.notify_all()

    def _deliver(self, batch):
        body = json.dumps(batch, separators=(",", ":")).encode()
        token = f"sim-{uuid.UUID(int=self._send_rng.getrandbits(128))}"
        delay = self.config.retry_seconds
        for attempt in range(1, self.config.max_attempts + 1):
            status = self.send(batch, token=token, attempt=attempt, body=body)
            if 200 <= (status or 0) < 300:
                duplicate = self._send_rng.random() < self.config.duplicate_rate
                self._count(delivered_batches=1, delivered_events=len(batch), duplicate_batches=int(duplicate))
                if duplicate:
                    self.send(batch, token=token, attempt=attempt + 1, body=body)
                return True
            if attempt < self.config.max_attempts and self._stopped.wait(delay):
                break
            delay *= 2
        self._count(failed_batches=1, failed_events=len(batch))
        return False

    def _count(self, **counts):
        with self._cond:
            self._counts.update(counts)

    def send(self, events, token=None, attempt=1, body=None, secret=None, url=None):
        """One POST of `events` (CloudEvents) as KORE signs it (`secret`/`url` override the configured ones, for
        tests of refused signatures); returns the HTTP status (None when no answer came) and logs the delivery."""
        signed_url = url or self.config.signed_url or self.config.url
        url = url or self.config.url
        body = body if body is not None else json.dumps(events, separators=(",", ":")).encode()
        token = token or f"sim-{uuid.uuid4()}"
        headers = {"Content-Type": "application/json", "User-Agent": "KoreProxy/1.1",
                   "Date": email.utils.formatdate(usegmt=True), "kore-idempotency-token": token,
                   "kore-signature": kore_signature(self.config.secret if secret is None else secret, "POST", signed_url,
                                                    body)}
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        status = error = None
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.config.read_timeout) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as err:
            status = err.code
            err.close()
        except (OSError, ValueError) as err:
            error = f"{type(err).__name__}: {err}"
        entry = {"token": token, "attempt": attempt, "status": status, "error": error, "events": len(events),
                 "ids": [event.get("id") for event in events if isinstance(event, dict)],
                 "seconds": round(time.monotonic() - started, 4)}
        with self._cond:
            self._log.append(entry)
            self._counts["attempts"] += 1
            self._counts[f"status_{status if status is not None else 'none'}"] += 1
        return status

    # Observing

    def flush(self, timeout=30.0):
        """Wait until every event made so far was delivered or given up; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.notify_all()
            while self._pending or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def deliveries(self):
        """The last 10,000 delivery attempts: token, attempt, status, error, events, ids, seconds."""
        with self._cond:
            return [dict(entry) for entry in self._log]

    def stats(self):
        """events, attempts, delivered_batches, delivered_events, failed_batches, failed_events, duplicate_batches,
        status_NNN (attempts per answer; status_none: no answer), pending, open_sessions."""
        with self._cond:
            counts = dict(self._counts)
            counts["pending"] = len(self._pending) + self._in_flight
        counts["open_sessions"] = len(self._sessions)
        return counts

    def settings(self):
        settings = asdict(self.config)
        settings.pop("secret")
        return settings


# Command line: --events-url URL and the other --events-* flags, one per EventConfig field.

def flag_of(name):
    return "--events-" + name.replace("_", "-")


def add_flags(parser):
    """Add the --events-* flags to the simulator's argument parser."""
    group = parser.add_argument_group("Connection Events", "send signed KORE-style batches of Super SIM Connection "
                                      "Events to --events-url (see events.py)")
    for item in fields(EventConfig):
        if item.type is bool or item.type == "bool":
            group.add_argument(flag_of(item.name), dest=f"events_{item.name}", choices=("true", "false"), default=None,
                               help=f"default {str(item.default).lower()}")
        else:
            kind = {"int": int, "float": float}.get(item.type if isinstance(item.type, str) else item.type.__name__, str)
            group.add_argument(flag_of(item.name), dest=f"events_{item.name}", type=kind, default=None,
                               help=f"default {item.default}" if item.name != "url" else "the webhook URL (enables events)")


def config_from_flags(args):
    """The EventConfig of the --events-* flags, or None without --events-url."""
    given = {item.name: getattr(args, f"events_{item.name}") for item in fields(EventConfig)}
    if not given["url"]:
        return None
    if given["watch_status"] is not None:
        given["watch_status"] = given["watch_status"] == "true"
    try:
        return EventConfig(**{name: value for name, value in given.items() if value is not None})
    except ValueError as err:
        raise SystemExit(f"python tests/simulator: {err}") from None


def flags_of(config):
    """The command line flags of `config` (for a simulator run as a child process)."""
    command = []
    for name, value in asdict(config).items():
        if value is None:
            continue
        command += [flag_of(name), str(value).lower() if isinstance(value, bool) else str(value)]
    return command
