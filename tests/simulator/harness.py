"""`Simulator`: start the simulator from Python, in a thread (default) or as a child process."""
import json
import os
import select
import subprocess as sp
import sys
import tempfile
import threading
import urllib.request
from dataclasses import asdict

from .faults import FaultConfig
from .fleet import iso
from .server import (ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, SECOND_ACCOUNT_SID, SECOND_AUTH_TOKEN, Server,
                     SimConfig, resolve_now)

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class Simulator:
    """A running simulator; use as a context manager.

    >>> with Simulator(seed=1, wireless_sims=100, super_sims=50) as sim:
    ...     sim.product_url        # "http://127.0.0.1:PORT/{product}"

    `fixture` is a file path or a dict in the fixture format (README.md); `faults` a dict of fault settings
    (rate_429, retry_after, rate_5xx, latency_ms, drop_rate, truncate_rate, max_concurrency, seed).
    `now` (epoch seconds or ISO 8601; default today 00:00 UTC) is the reference time of generated dates.
    With `subprocess=True` the server runs as `python tests/simulator ...` in a child process.
    """

    def __init__(self, seed=1, wireless_sims=100, super_sims=50, fixture=None, faults=None, *, subprocess=False,
                 host="127.0.0.1", port=0, now=None, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_key=API_KEY,
                 api_secret=API_SECRET, esim_profiles=None, ip_commands=None, sms_commands=None, startup_timeout=60):
        self.config = SimConfig(host=host, port=port, seed=seed, wireless_sims=wireless_sims, super_sims=super_sims,
                                esim_profiles=esim_profiles, ip_commands=ip_commands, sms_commands=sms_commands,
                                fixture=fixture, now=resolve_now(now), account_sid=account_sid,
                                auth_token=auth_token, api_key=api_key, api_secret=api_secret, faults=dict(faults or {}))
        self.subprocess = subprocess
        self.startup_timeout = startup_timeout
        self.account_sid, self.auth_token = account_sid, auth_token
        self.api_key, self.api_secret = api_key, api_secret
        self.second_account_sid, self.second_auth_token = SECOND_ACCOUNT_SID, SECOND_AUTH_TOKEN
        self.now = self.config.now
        self.base_url = None
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
            self.base_url = self._server.base_url
            self._thread = threading.Thread(target=self._server.serve_forever, name="twilio-simulator", daemon=True)
            self._thread.start()
        return self

    def stop(self):
        """Stop serving and release everything started by `start()`."""
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
        ready = select.select([self._process.stdout], [], [], self.startup_timeout)[0]
        line = self._process.stdout.readline().strip() if ready else ""
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the simulator did not start (first line {line!r})")
        self.base_url = line

    def command(self):
        """The `python tests/simulator ...` command line for this configuration."""
        config = self.config
        command = [sys.executable, PACKAGE_DIR, "--host", config.host, "--port", str(config.port),
                   "--seed", str(config.seed), "--wireless-sims", str(config.wireless_sims),
                   "--super-sims", str(config.super_sims), "--now", str(config.now),
                   "--account-sid", config.account_sid, "--auth-token", config.auth_token,
                   "--api-key", config.api_key, "--api-secret", config.api_secret]
        for name in ("esim_profiles", "ip_commands", "sms_commands"):
            if getattr(config, name) is not None:
                command += [f"--{name.replace('_', '-')}", str(getattr(config, name))]
        if config.fixture is not None:
            command += ["--fixture", self._fixture_path(config.fixture)]
        for name, value in config.faults.items():
            command += ["--fault-seed" if name == "seed" else f"--{name.replace('_', '-')}", str(value)]
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
    def now_iso(self):
        return iso(self.now)

    @property
    def truth(self):
        """The main account's records as served (newest first) per resource name, plus `ip_addresses`
        ({Super SIM SID: [records]}) and `registration_codes` ({Wireless SIM SID: code}). Read-only."""
        return self.truth_for(self.account_sid)

    def truth_for(self, account_sid):
        """Like `truth`, for any account (an account without data has empty lists)."""
        if account_sid not in self._truth:
            if self._server is not None:
                self._truth[account_sid] = self._server.app.store.truth(account_sid)
            else:
                self._truth[account_sid] = self._admin("GET", f"/_sim/truth?account={account_sid}")
        return self._truth[account_sid]

    def info(self):
        return self._admin("GET", "/_sim/info")

    # Stats and faults

    def stats(self, log=False):
        """Request counters (requests, by_path, by_route, by_status, by_query, ...), with the log if asked."""
        if self._server is not None:
            return json.loads(json.dumps(self._server.stats.snapshot(log=log)))
        return self._admin("GET", "/_sim/stats" + ("?log=1" if log else ""))

    def reset_stats(self):
        if self._server is not None:
            self._server.stats.reset()
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

    def _admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
