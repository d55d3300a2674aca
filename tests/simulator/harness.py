"""`Simulator`: start the simulator from Python, in a thread (default) or as a child process."""
import json
import os
import select
import subprocess as sp
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict

from .events import EventConfig, EventEmitter, flags_of
from .faults import FaultConfig, TokenFaultConfig
from .fleet import iso
from .kore import (CLIENT_ID, CLIENT_SECRET, DEFAULT_TOKEN_LIFETIME, SECOND_CLIENT_ID, SECOND_CLIENT_SECRET, check_lifetime,
                   platform_named)
from .server import (ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, SECOND_ACCOUNT_SID, SECOND_AUTH_TOKEN, Server,
                     SimConfig, resolve_now)
from .usage import between_truth
from .writes import WriteConfig, check_write_setting

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class Simulator:
    """A running simulator; use as a context manager.

    >>> with Simulator(seed=1, wireless_sims=100, super_sims=50) as sim:
    ...     sim.product_url        # "http://127.0.0.1:PORT/{product}"

    `fixture` is a file path or a dict in the fixture format (README.md); `faults` a dict of fault settings
    (rate_429, retry_after, rate_5xx, status_5xx, latency_ms, drop_rate, truncate_rate, max_concurrency, seed,
    and for writes rate_5xx_after_apply, after_apply_drop_rate).
    `now` (epoch seconds or ISO 8601; default today 00:00 UTC) is the reference time of generated dates.
    With `subprocess=True` the server runs as `python tests/simulator ...` in a child process.

    KORE: `platform` ("twilio", "kore" or "both"), `token_lifetime` (seconds), `token_port`, `client_id` and
    `client_secret` (the main account's API client), `token_faults` (a dict of token endpoint fault settings:
    rate_401, rate_429, retry_after, rate_5xx, status_5xx, drop_rate, latency_ms, fail_next, fail_status, seed).

    Writes: `settle_seconds` (delay of asynchronous status changes; 0: at once), `command_step_seconds` (delay
    of each step of a created command's lifecycle), `command_failure_rate` (share of created commands that
    fail), `unregistered_sims` (how many registrable Super SIMs the pool holds), `wireless_commands`
    (generated Wireless commands; default a tenth of the Wireless SIMs).
    """

    def __init__(self, seed=1, wireless_sims=100, super_sims=50, fixture=None, faults=None, *, subprocess=False,
                 host="127.0.0.1", port=0, now=None, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_key=API_KEY,
                 api_secret=API_SECRET, esim_profiles=None, ip_commands=None, sms_commands=None, startup_timeout=60,
                 platform="twilio", token_lifetime=DEFAULT_TOKEN_LIFETIME, token_port=0, client_id=CLIENT_ID,
                 client_secret=CLIENT_SECRET, token_faults=None, settle_seconds=WriteConfig.settle_seconds,
                 command_step_seconds=WriteConfig.command_step_seconds,
                 command_failure_rate=WriteConfig.command_failure_rate, unregistered_sims=20, wireless_commands=None,
                 events=None):
        platform_named(platform)
        # Connection Events (events.py): a dict of EventConfig settings, checked now; `self.events` once started.
        self.events_config = EventConfig(**events) if events else None
        self.events = None
        for name, value in (("settle_seconds", settle_seconds), ("command_step_seconds", command_step_seconds),
                            ("command_failure_rate", command_failure_rate)):
            check_write_setting(name, value)
        self.config = SimConfig(host=host, port=port, seed=seed, wireless_sims=wireless_sims, super_sims=super_sims,
                                esim_profiles=esim_profiles, ip_commands=ip_commands, sms_commands=sms_commands,
                                fixture=fixture, now=resolve_now(now), account_sid=account_sid,
                                auth_token=auth_token, api_key=api_key, api_secret=api_secret, faults=dict(faults or {}),
                                platform=platform, token_lifetime=check_lifetime(token_lifetime), token_port=token_port,
                                client_id=client_id, client_secret=client_secret, token_faults=dict(token_faults or {}),
                                settle_seconds=settle_seconds, command_step_seconds=command_step_seconds,
                                command_failure_rate=command_failure_rate, unregistered_sims=unregistered_sims,
                                wireless_commands=wireless_commands)
        self.subprocess = subprocess
        self.startup_timeout = startup_timeout
        self.account_sid, self.auth_token = account_sid, auth_token
        self.api_key, self.api_secret = api_key, api_secret
        self.second_account_sid, self.second_auth_token = SECOND_ACCOUNT_SID, SECOND_AUTH_TOKEN
        self.platform = platform
        self.client_id, self.client_secret = client_id, client_secret
        self.second_client_id, self.second_client_secret = SECOND_CLIENT_ID, SECOND_CLIENT_SECRET
        self.token_lifetime = self.config.token_lifetime
        self.now = self.config.now
        self.base_url = self.token_url = None
        self._server = self._thread = self._process = self._fixture_file = None
        self._truth = {}

    # Lifecycle

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        """Start serving; returns self."""
        if self.subprocess:
            self._start_process()
        else:
            self._server = Server(self.config)
            self.base_url, self.token_url = self._server.base_url, self._server.token_url
            self._thread = threading.Thread(target=self._server.serve_forever, name="twilio-simulator", daemon=True)
            self._thread.start()
            if self.events_config is not None:
                self.events = EventEmitter(self._server.app.store, self.account_sid, self.events_config).start()
        return self

    def stop(self):
        """Stop serving and release everything started by `start()`."""
        if self.events is not None:
            self.events.stop()
            self.events = None
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(10)
            self._server = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except sp.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process.stdout.close()
            self._process.stdin.close()
            self._process = None
        if self._fixture_file:
            os.unlink(self._fixture_file)
            self._fixture_file = None

    def _start_process(self):
        self._process = sp.Popen(self.command() + ["--stop-on-stdin-eof"], stdin=sp.PIPE, stdout=sp.PIPE, text=True)
        self.base_url = self._read_url("first")
        if platform_named(self.platform).token_listener:
            # Printed right after the first line, and maybe already read into the pipe's buffer along with it
            # (where select() cannot see it): read it without waiting for the file descriptor.
            self.token_url = self._read_url("second", wait=False)

    def _read_url(self, which, wait=True):
        ready = select.select([self._process.stdout], [], [], self.startup_timeout)[0] if wait else True
        line = self._process.stdout.readline().strip() if ready else ""
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the simulator did not start ({which} line {line!r})")
        return line

    def command(self):
        """The `python tests/simulator ...` command line for this configuration."""
        config = self.config
        command = [sys.executable, PACKAGE_DIR, "--host", config.host, "--port", str(config.port),
                   "--seed", str(config.seed), "--wireless-sims", str(config.wireless_sims),
                   "--super-sims", str(config.super_sims), "--now", str(config.now),
                   "--account-sid", config.account_sid, "--auth-token", config.auth_token,
                   "--api-key", config.api_key, "--api-secret", config.api_secret]
        for name in ("esim_profiles", "ip_commands", "sms_commands", "wireless_commands"):
            if getattr(config, name) is not None:
                command += [f"--{name.replace('_', '-')}", str(getattr(config, name))]
        command += ["--unregistered-sims", str(config.unregistered_sims)]
        for name, value in config.write_settings().items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        if config.fixture is not None:
            command += ["--fixture", self._fixture_path(config.fixture)]
        for name, value in config.faults.items():
            command += ["--fault-seed" if name == "seed" else f"--{name.replace('_', '-')}", str(value)]
        if config.platform != "twilio":
            command += ["--platform", config.platform, "--token-lifetime", str(config.token_lifetime),
                        "--token-port", str(config.token_port), "--client-id", config.client_id,
                        "--client-secret", config.client_secret]
        for name, value in config.token_faults.items():
            command += ["--token-fault-seed" if name == "seed" else f"--token-{name.replace('_', '-')}", str(value)]
        if self.events_config is not None:
            command += flags_of(self.events_config)
        return command

    def _fixture_path(self, fixture):
        if not isinstance(fixture, dict):
            return str(fixture)
        handle, self._fixture_file = tempfile.mkstemp(prefix="twilio-sim-fixture-", suffix=".json")
        with os.fdopen(handle, "w") as out:
            json.dump(fixture, out, default=str)
        return self._fixture_file

    # Information

    @property
    def product_url(self):
        """The collection's `base_url` option: http://HOST:PORT/{product}."""
        return f"{self.base_url}/{{product}}"

    @property
    def connection(self):
        """The collection's connection options for this simulator's first account."""
        return {"account_sid": self.account_sid, "auth_token": self.auth_token, "base_url": self.product_url}

    @property
    def now_iso(self):
        return iso(self.now)

    @property
    def truth(self):
        """The main account's records as served (newest first) per resource name (`nap_networks`: every Network
        Access Profile's networks), plus `ip_addresses` ({Super SIM SID: [records]}), `registration_codes`
        ({Wireless SIM SID: code}) and `unregistered_sims` ([{"iccid", "registration_code"}]). Reflects
        writes. Read-only."""
        return self.truth_for(self.account_sid)

    @property
    def kore_truth(self):
        """`truth` with the URLs served on KORE's `/programmable-wireless` alias (platforms kore and both)."""
        return self.truth_for(self.account_sid, kore=True)

    def truth_for(self, account_sid, kore=False):
        """Like `truth`, for any account (an account without data has empty lists); with `kore=True` the
        Wireless records' URLs are those served under `/programmable-wireless`. Kept until a write changes
        the data (writes over HTTP included)."""
        key = (account_sid, kore)
        version = self._version()
        cached = self._truth.get(key)
        if cached is None or cached[0] != version:
            if self._server is not None and not kore:
                truth = self._server.app.store.truth(account_sid)
            elif self._server is not None:
                truth = json.loads(self._server.app.store.truth_json(account_sid, "programmable-wireless"))
            else:
                truth = self._admin("GET", f"/_sim/truth?account={account_sid}" + ("&kore=1" if kore else ""))
            self._truth[key] = cached = (version, truth)
        return cached[1]

    def _version(self):
        if self._server is not None:
            return self._server.app.store.version
        return self._admin("GET", "/_sim/version")["version"]

    def usage_between(self, sim_sid, start, end, account_sid=None):
        """Bytes a SIM (Wireless or Super SIM, by SID) used in [start, end) (epoch seconds, datetimes or ISO
        8601 text), by the closed form the API uses: {"upload", "download", "total"}. KeyError for a SIM that
        the account (default: the main one) does not have."""
        entry = self.truth_for(account_sid or self.account_sid)["usage"][sim_sid]
        if entry is None:
            return {"upload": 0, "download": 0, "total": 0}
        return between_truth(entry, start, end).as_dict()

    @property
    def unregistered_sims(self):
        """The Super SIMs any account may still register (POST /supersim/v1/Sims): [{"iccid",
        "registration_code"}], the same for the same seed; registering one removes it."""
        return self._either(lambda server: server.app.store.unregistered_sims(), "GET", "/_sim/unregistered-sims")

    def info(self):
        return self._admin("GET", "/_sim/info")

    # Stats and faults

    def stats(self, log=False):
        """Request counters (requests, by_path, by_route, by_status, by_query, ...), with the log if asked."""
        if self._server is not None:
            return json.loads(json.dumps(self._server.stats.snapshot(log=log)))
        return self._admin("GET", "/_sim/stats" + ("?log=1" if log else ""))

    def reset_stats(self):
        """Zero the API counters and log, the token counters and the request log."""
        if self._server is not None:
            self._server.app.reset_stats()
        else:
            self._admin("POST", "/_sim/reset-stats")

    def set_faults(self, **settings):
        """Change fault settings at run time; returns all current settings."""
        if self._server is not None:
            return self._server.faults.update(**settings)
        return self._admin("POST", "/_sim/faults", settings)

    def clear_faults(self):
        """Back to no faults at all."""
        settings = asdict(FaultConfig())
        settings.pop("seed")
        return self.set_faults(**settings)

    # Writes: settings, delayed changes, the write log

    def write_settings(self):
        """settle_seconds, command_step_seconds, command_failure_rate."""
        return self._either(lambda server: server.writer.settings(), "GET", "/_sim/write-settings")

    def set_write_settings(self, **settings):
        """Change write settings at run time (for changes made from then on); returns all of them."""
        return self._either(lambda server: server.writer.update_settings(**settings), "POST", "/_sim/write-settings",
                            settings)

    def pending(self):
        """How many delayed changes (settling statuses, command steps) are still to come."""
        return self._either(lambda server: {"pending": server.writer.pending()}, "GET", "/_sim/pending")["pending"]

    def settle(self):
        """Apply every delayed change now (settle statuses, finish command lifecycles); returns how many."""
        return self._either(lambda server: {"settled": server.writer.settle()}, "POST", "/_sim/settle")["settled"]

    def wait_settled(self, timeout=10.0):
        """Wait until no delayed change is left (they happen on their own); False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def writes(self, log=True):
        """Write counters (requests, by_method, by_route, by_path, by_status, by_resource, applied,
        applied_by_route, faults) and, with `log`, the last 10,000 writes: method, path, route, resource,
        operation, sid, params (the form as posted, secrets redacted), status, fault, applied, changed, time."""
        query = "" if log else "?log=0"
        return self._either(lambda server: server.stats.writes.snapshot(log=log), "GET", f"/_sim/writes{query}")

    def write_log(self):
        return self.writes()["log"]

    def reset_writes(self):
        """Zero the write counters and the write log (reset_stats() does too)."""
        return self._either(lambda server: server.app.reset_writes(), "POST", "/_sim/writes/reset")

    # KORE: tokens, clients, token faults, the request log

    def request_token(self, client_id=None, client_secret=None):
        """POST the token endpoint as an API client (default: client 1) and return the JSON body; raises
        urllib.error.HTTPError for an error answer. The request shows in the request log like any other."""
        if self.token_url is None:
            raise RuntimeError(f"no token endpoint on platform {self.platform!r} (use platform='kore' or 'both')")
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id or self.client_id,
                                       "client_secret": client_secret or self.client_secret}).encode()
        request = urllib.request.Request(self.token_url, data=form, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def access_token(self, client_id=None, client_secret=None):
        """A fresh access token (the `access_token` of `request_token()`)."""
        return self.request_token(client_id, client_secret)["access_token"]

    def revoke_tokens(self, token=None, client_id=None):
        """Revoke one token, one client's tokens, or every token (no argument); returns how many good ones
        were revoked. A revoked token gets 401 (20003, `Bearer error="invalid_token"`)."""
        body = {key: value for key, value in (("token", token), ("client_id", client_id)) if value is not None}
        return self._either(lambda server: server.kore.revoke(**body), "POST", "/_sim/kore/revoke", body)["revoked"]

    def disable_client(self, client_id=None):
        """Refuse new tokens to a client (default: client 1): the token endpoint answers 401 unauthorized_client.
        Tokens already issued stay good until they expire or are revoked."""
        return self._set_client(client_id or self.client_id, False)

    def enable_client(self, client_id=None):
        return self._set_client(client_id or self.client_id, True)

    def _set_client(self, client_id, enabled):
        action = "enable" if enabled else "disable"
        return self._either(lambda server: server.kore.clients.set_enabled(client_id, enabled),
                            "POST", f"/_sim/kore/clients/{urllib.parse.quote(client_id, safe='')}/{action}")

    def set_token_lifetime(self, seconds):
        """Lifetime of the tokens issued from now on; returns the KORE settings."""
        settings = self._either(lambda server: server.kore.update(token_lifetime=seconds), "POST", "/_sim/kore",
                                {"token_lifetime": seconds})
        self.token_lifetime = settings["token_lifetime"]
        return settings

    def set_token_outage(self, **settings):
        """Token outages: `outage_after=N` (the token endpoint issues N more tokens, then answers 503 to everything;
        None ends it), `reject_tokens=True` (the API answers 401 to every bearer token). Returns the KORE settings."""
        return self._either(lambda server: server.kore.update(**settings), "POST", "/_sim/kore", settings)

    def kore_settings(self):
        """platform, token_url, token_lifetime, clients, active_tokens, faults, outage_after, reject_tokens."""
        return self._either(lambda server: server.kore.settings(), "GET", "/_sim/kore")

    def set_token_faults(self, **settings):
        """Change the token endpoint's fault settings at run time; returns all its current settings."""
        return self._either(lambda server: server.kore.faults.update(**settings), "POST", "/_sim/kore/faults", settings)

    def clear_token_faults(self):
        settings = asdict(TokenFaultConfig())
        settings.pop("seed")
        return self.set_token_faults(**settings)

    def token_stats(self):
        """Token endpoint counters: requests, ok, failed, by_status, by_error, faults, issued, revoked,
        rejected_unknown, rejected_expired, rejected_revoked."""
        return self._either(lambda server: server.kore.stats.snapshot(), "GET", "/_sim/kore/stats")

    def requests_log(self, listener=None):
        """The request log (last 10,000 entries; `listener` "api" or "token" to keep one): listener, method,
        path, auth, credential, client_id, client_secret, status, time."""
        query = f"?listener={listener}" if listener else ""
        return self._either(lambda server: server.requests.snapshot(listener), "GET", f"/_sim/requests{query}")["log"]

    def request_counts(self):
        """{listener: {"requests", "auth": {scheme: n}, "client_secret": n}} since the start or the last reset."""
        return self._either(lambda server: server.requests.snapshot(log=False), "GET", "/_sim/requests?log=0")["counts"]

    def _either(self, local, method, path, body=None):
        """Call `local(server)` in-thread (a JSON-safe copy of its answer), else the admin endpoint."""
        if self._server is not None:
            return json.loads(json.dumps(local(self._server)))
        return self._admin(method, path, body)

    def _admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
