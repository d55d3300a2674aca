"""Building and running the simulator: configuration, built-in credentials and the werkzeug server(s).

On the KORE platforms (`kore`, `both`) a second listener, on its own port, serves the token endpoint.
"""
import datetime
import gc
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import WSGIRequestHandler, make_server

from . import fixtures
from .app import Credentials, SimulatorApp
from .faults import FaultConfig, Faults
from .fleet import SHARED, GenerateSpec, generate, iso, unregistered_sims
from .kore import (CLIENT_ID, CLIENT_SECRET, DEFAULT_TOKEN_LIFETIME, SECOND_CLIENT_ID, SECOND_CLIENT_SECRET, TOKEN_PATH,
                   Kore)
from .stats import RequestLog, Stats
from .store import Store
from .token_app import TokenApp
from .writes import WriteConfig, Writer

ACCOUNT_SID = "AC00000000000000000000000000000001"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
API_KEY = "SK00000000000000000000000000000001"
API_SECRET = "simulator-api-secret-0000000000001"
SECOND_ACCOUNT_SID = "AC00000000000000000000000000000002"
SECOND_AUTH_TOKEN = "fedcba9876543210fedcba9876543210"

# The second account's own small generated fleet (unless a fixture gives its records).
SECOND_FLEET = {"wireless_sims": 12, "super_sims": 8, "seed_offset": 1_000_003, "name_prefix": "acct2-", "iccid_block": 999}


@dataclass
class SimConfig:
    """Everything that defines a simulator run; the CLI flags map one to one onto these fields."""

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    wireless_sims: int = 100
    super_sims: int = 50
    esim_profiles: int = None
    ip_commands: int = None
    sms_commands: int = None
    wireless_commands: int = None
    unregistered_sims: int = 20
    fixture: object = None
    now: object = None
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    api_key: str = API_KEY
    api_secret: str = API_SECRET
    faults: dict = field(default_factory=dict)
    platform: str = "twilio"
    token_lifetime: float = DEFAULT_TOKEN_LIFETIME
    token_port: int = 0
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    token_faults: dict = field(default_factory=dict)
    settle_seconds: float = WriteConfig.settle_seconds
    command_step_seconds: float = WriteConfig.command_step_seconds
    command_failure_rate: float = WriteConfig.command_failure_rate

    def write_settings(self):
        return {"settle_seconds": self.settle_seconds, "command_step_seconds": self.command_step_seconds,
                "command_failure_rate": self.command_failure_rate}


def resolve_now(value=None):
    """The reference time as epoch seconds: given (epoch number or ISO 8601 text), or today's 00:00 UTC."""
    if value is None or value == "":
        today = datetime.datetime.now(datetime.timezone.utc).date()
        return int(datetime.datetime(today.year, today.month, today.day, tzinfo=datetime.timezone.utc).timestamp())
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def build_accounts(config, now):
    """`{account_sid: AccountData}`: the fixture or a generated fleet for the primary account, plus account 2."""
    if config.fixture is not None:
        fixture = config.fixture if isinstance(config.fixture, dict) else fixtures.load_file(config.fixture)
        accounts = fixtures.build_accounts(fixture, config.account_sid, config.seed, now)
    else:
        spec = GenerateSpec(account_sid=config.account_sid, seed=config.seed, now=now,
                            wireless_sims=config.wireless_sims, super_sims=config.super_sims,
                            esim_profiles=config.esim_profiles, ip_commands=config.ip_commands,
                            sms_commands=config.sms_commands, wireless_commands=config.wireless_commands)
        accounts = {config.account_sid: generate(spec)}
    if SECOND_ACCOUNT_SID not in accounts:
        spec = GenerateSpec(account_sid=SECOND_ACCOUNT_SID, seed=config.seed + SECOND_FLEET["seed_offset"], now=now,
                            wireless_sims=SECOND_FLEET["wireless_sims"], super_sims=SECOND_FLEET["super_sims"],
                            name_prefix=SECOND_FLEET["name_prefix"], iccid_block=SECOND_FLEET["iccid_block"])
        accounts[SECOND_ACCOUNT_SID] = generate(spec)
    return accounts


def build_store(config, now, base_url):
    """The `Store` for `config`: the accounts' records, the Networks catalogue, the unregistered Super SIMs.
    The cyclic garbage collector is paused while hundreds of thousands of records are created, as it would
    rescan them over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        unregistered = unregistered_sims(config.seed, config.unregistered_sims)
        return Store(build_accounts(config, now), base_url, SHARED, unregistered, now)
    finally:
        if enabled:
            gc.enable()


def build_credentials(config):
    credentials = Credentials()
    credentials.add_account(config.account_sid, config.auth_token)
    credentials.add_api_key(config.api_key, config.api_secret, config.account_sid)
    if config.account_sid != SECOND_ACCOUNT_SID:
        credentials.add_account(SECOND_ACCOUNT_SID, SECOND_AUTH_TOKEN)
    return credentials


def build_kore(config):
    """The platform with its API clients: client 1 of the main account, client 2 of account 2."""
    kore = Kore(config.platform, config.token_lifetime, config.token_faults)
    kore.add_client(config.client_id, config.client_secret, config.account_sid)
    if config.client_id != SECOND_CLIENT_ID:
        kore.add_client(SECOND_CLIENT_ID, SECOND_CLIENT_SECRET, SECOND_ACCOUNT_SID)
    return kore


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without per-request log lines; a dropped connection also ends keep-alive."""

    def log_request(self, code="-", size="-"):
        pass

    def connection_dropped(self, error, environ=None):
        self.close_connection = True


class Server:
    """Bound (not yet serving) threaded werkzeug servers with their data built from `config`: the API
    listener, and on the KORE platforms the token listener (`token_url`; None on twilio)."""

    def __init__(self, config):
        started = time.monotonic()
        self.config = config
        self.now = resolve_now(config.now)
        self.faults = Faults(FaultConfig(**config.faults) if config.faults else None)
        self.stats = Stats()
        self.requests = RequestLog()
        self.kore = build_kore(config)
        info = {"account_sid": config.account_sid, "now": iso(self.now), "now_epoch": self.now, "seed": config.seed,
                "platform": config.platform}
        self.app = SimulatorApp(build_credentials(config), self.faults, self.stats, info, self.kore, self.requests)
        self.httpd = make_server(config.host, config.port, self.app, threaded=True, request_handler=QuietHandler)
        self.base_url = f"http://{config.host}:{self.httpd.server_port}"
        self.app.store = build_store(config, self.now, self.base_url)
        self.writer = self.app.writer = Writer(self.app.store, config.write_settings(), self.now, config.seed)
        self.token_httpd = self.token_url = None
        if self.kore.platform.token_listener:
            self.token_httpd = make_server(config.host, config.token_port, TokenApp(self.kore, self.requests),
                                           threaded=True, request_handler=QuietHandler)
            self.token_url = self.kore.token_url = f"http://{config.host}:{self.token_httpd.server_port}{TOKEN_PATH}"
        info["base_url"] = self.base_url
        info["token_url"] = self.token_url
        info["accounts"] = sorted(self.app.store.accounts)
        info["clients"] = [client["client_id"] for client in self.kore.clients.listing()]
        info["startup_seconds"] = round(time.monotonic() - started, 3)

    def serve_forever(self):
        """Serve until `shutdown()` (another thread) or KeyboardInterrupt; closes the sockets on exit."""
        token_thread = None
        if self.token_httpd is not None:
            token_thread = threading.Thread(target=self.token_httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="kore-token-listener", daemon=True)
            token_thread.start()
        try:
            self.httpd.serve_forever(poll_interval=0.1)
        finally:
            self.writer.stop()
            if token_thread is not None:
                self.token_httpd.shutdown()
                token_thread.join(10)

    def shutdown(self):
        self.httpd.shutdown()
