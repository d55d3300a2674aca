"""KORE Wireless: platforms, OAuth 2.0 API clients and their access tokens (shared by both listeners).

KORE serves Twilio's IoT resources from its own hosts (`supersim.api.korewireless.com`,
`programmable-wireless.api.korewireless.com`) and authenticates with bearer tokens from the client
credentials grant at `https://api.korewireless.com/api-services/v1/auth/token`. The simulator's
`platform` setting decides which schemes the API accepts and which path prefixes it serves:

| platform | API auth | wireless prefix(es) | errors' more_info |
|---|---|---|---|
| twilio | basic | /wireless | twilio.com |
| kore | bearer | /programmable-wireless | docs.korewireless.com |
| both | basic or bearer | /wireless and /programmable-wireless | docs.korewireless.com for bearer requests |

Nothing here speaks HTTP: `token_app.py` serves the token endpoint, `app.py` checks bearer tokens.

Outages (`Kore.update`, `POST /_sim/kore`): `outage_after` N: the token endpoint issues N more tokens, then
answers every request 503 `temporarily_unavailable` until the setting is cleared (null); `reject_tokens`: the
API answers 401 `invalid_token` to every bearer token, good ones included (tokens are still issued).
"""
import hmac
import itertools
import math
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

from .faults import Faults, TokenFaultConfig
from .stats import TokenStats

TOKEN_PATH = "/api-services/v1/auth/token"
TWILIO_DOCS = "https://www.twilio.com/docs/errors/"
KORE_DOCS = "https://docs.korewireless.com/errors/"
TOKEN_SCOPE = "supersim programmable-wireless"
DEFAULT_TOKEN_LIFETIME = 3600
MAX_TOKENS = 10000
UNSET = object()

# The built-in API clients: client 1 belongs to the main account, client 2 to account 2.
CLIENT_ID = "kore-client-0000000000000001"
CLIENT_SECRET = "simulator-kore-secret-000000000000000001"
SECOND_CLIENT_ID = "kore-client-0000000000000002"
SECOND_CLIENT_SECRET = "simulator-kore-secret-000000000000000002"

INVALID_TOKEN_MESSAGE = "Authenticate: the access token is invalid or has expired"
BEARER_ONLY_MESSAGE = "Authenticate: this API accepts OAuth 2.0 bearer access tokens only"


@dataclass(frozen=True)
class Platform:
    """What an API listener accepts and serves on one platform."""

    name: str
    schemes: tuple          # accepted Authorization schemes
    wireless: tuple         # path prefixes serving Programmable Wireless
    challenge: str          # WWW-Authenticate of a 401 without acceptable credentials
    missing_message: str    # its message
    kore_docs: tuple        # Authorization schemes whose errors link to docs.korewireless.com
    token_listener: bool    # whether the token endpoint runs

    @property
    def prefixes(self):
        """{product: (path prefixes)} for the routes."""
        return {"wireless": self.wireless, "supersim": ("supersim",)}

    def docs_for(self, scheme):
        """The more_info base URL of errors answered to a request with this Authorization scheme."""
        return KORE_DOCS if scheme in self.kore_docs else TWILIO_DOCS


ALL_SCHEMES = ("none", "basic", "bearer", "other")
PLATFORMS = {
    "twilio": Platform("twilio", ("basic",), ("wireless",), 'Basic realm="Twilio API"', "Authenticate", (), False),
    "kore": Platform("kore", ("bearer",), ("programmable-wireless",), 'Bearer realm="KORE API"', BEARER_ONLY_MESSAGE,
                     ALL_SCHEMES, True),
    "both": Platform("both", ("basic", "bearer"), ("wireless", "programmable-wireless"),
                     'Basic realm="Twilio API", Bearer realm="KORE API"', "Authenticate", ("bearer",), True),
}


def platform_named(name):
    platform = PLATFORMS.get(name)
    if platform is None:
        raise ValueError(f"unknown platform {name!r}; known: {', '.join(PLATFORMS)}")
    return platform


def check_lifetime(seconds):
    """A token lifetime in seconds (fractions allowed), > 0."""
    seconds = float(seconds)
    if math.isnan(seconds) or seconds <= 0:
        raise ValueError(f"token_lifetime must be more than 0 seconds, not {seconds:g}")
    return int(seconds) if seconds.is_integer() else seconds


class Clients:
    """API clients: client ID -> (secret, account SID), and which of them may not get new tokens."""

    def __init__(self):
        self._clients = {}
        self.disabled = set()

    def add(self, client_id, secret, account_sid):
        self._clients[client_id] = (secret, account_sid)

    def account_for(self, client_id, secret):
        """The account of an enabled client whose secret matches, or None."""
        known, account_sid = self._clients.get(client_id or "", (None, None))
        if known is None or client_id in self.disabled:
            return None
        if not hmac.compare_digest(str(known).encode(), str(secret or "").encode()):
            return None
        return account_sid

    def set_enabled(self, client_id, enabled):
        if client_id not in self._clients:
            raise KeyError(f"unknown client {client_id!r}; known: {', '.join(self._clients)}")
        (self.disabled.discard if enabled else self.disabled.add)(client_id)
        return self.describe(client_id)

    def describe(self, client_id):
        return {"client_id": client_id, "account_sid": self._clients[client_id][1], "disabled": client_id in self.disabled}

    def listing(self):
        return [self.describe(client_id) for client_id in self._clients]

    def secret_markers(self):
        """Byte strings whose presence in a query string or body means a client secret was sent."""
        markers = {b"client_secret"}
        for secret, account_sid in self._clients.values():
            markers.update({secret.encode(), quote(secret, safe="").encode()})
        return tuple(markers)

    def secrets(self):
        return frozenset(secret for secret, account_sid in self._clients.values())


@dataclass
class Token:
    client_id: str
    account_sid: str
    expires_at: float
    revoked: bool = False

    def problem(self, now):
        """None while the token is good, else why not ("revoked", "expired")."""
        if self.revoked:
            return "revoked"
        return "expired" if now >= self.expires_at else None


class Tokens:
    """Issued access tokens (opaque strings `kore-at-<serial>-<random>`), thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens = {}
        self._serial = itertools.count(1)

    def issue(self, client_id, account_sid, lifetime):
        token = f"kore-at-{next(self._serial):06d}-{secrets.token_urlsafe(24)}"
        with self._lock:
            self._tokens[token] = Token(client_id, account_sid, time.monotonic() + lifetime)
            if len(self._tokens) > MAX_TOKENS:
                self._forget_old()
        return token

    def account_for(self, token):
        """(account SID, None) for a good token, else (None, "unknown" / "expired" / "revoked")."""
        record = self._tokens.get(token or "")
        if record is None:
            return None, "unknown"
        problem = record.problem(time.monotonic())
        return (None, problem) if problem else (record.account_sid, None)

    def revoke(self, token=None, client_id=None):
        """Revoke one token, a client's tokens, or (neither given) every token; returns how many were good."""
        now = time.monotonic()
        revoked = 0
        with self._lock:
            for value, record in self._tokens.items():
                if (token is None or value == token) and (client_id is None or record.client_id == client_id):
                    revoked += record.problem(now) is None
                    record.revoked = True
        return revoked

    def active(self):
        now = time.monotonic()
        with self._lock:
            return sum(record.problem(now) is None for record in self._tokens.values())

    def _forget_old(self):
        """Keep the table bounded: drop dead tokens, then the oldest (they then count as unknown)."""
        now = time.monotonic()
        for value in [value for value, record in self._tokens.items() if record.problem(now)]:
            del self._tokens[value]
        while len(self._tokens) > MAX_TOKENS:
            del self._tokens[next(iter(self._tokens))]


class Kore:
    """KORE state shared by the API and token listeners: clients, tokens, token faults and counters."""

    def __init__(self, platform="twilio", token_lifetime=DEFAULT_TOKEN_LIFETIME, token_faults=None):
        self.platform = platform_named(platform)
        self.token_lifetime = check_lifetime(token_lifetime)
        self.clients = Clients()
        self.tokens = Tokens()
        self.faults = Faults(TokenFaultConfig(**token_faults) if token_faults else None, kind=TokenFaultConfig)
        self.stats = TokenStats()
        self.token_url = None
        self._markers = ()
        self._secrets = frozenset()
        # Outages: tokens still to issue before the token endpoint goes down (None: no outage), and whether the
        # API refuses every bearer token.
        self._outage_lock = threading.Lock()
        self.outage_after = None
        self.reject_tokens = False

    def add_client(self, client_id, secret, account_sid):
        self.clients.add(client_id, secret, account_sid)
        self._markers = self.clients.secret_markers()
        self._secrets = self.clients.secrets()

    def issue(self, client_id, account_sid):
        """(token, lifetime) for a client that proved its credentials."""
        lifetime = self.token_lifetime
        self.stats.count("issued")
        return self.tokens.issue(client_id, account_sid, lifetime), lifetime

    def reserve_token(self):
        """False when the token endpoint is down (outage_after tokens were issued since the outage was set),
        else True, one more token counted against the outage."""
        with self._outage_lock:
            if self.outage_after is None:
                return True
            if self.outage_after <= 0:
                return False
            self.outage_after -= 1
            return True

    def token_endpoint_down(self):
        return self.outage_after is not None and self.outage_after <= 0

    def account_for_token(self, token):
        """The account of a good bearer token, or None (the reason is counted)."""
        if self.reject_tokens:
            self.stats.count("rejected_outage")
            return None
        account_sid, problem = self.tokens.account_for(token)
        if problem:
            self.stats.count(f"rejected_{problem}")
        return account_sid

    def revoke(self, token=None, client_id=None):
        revoked = self.tokens.revoke(token, client_id)
        self.stats.count("revoked", revoked)
        return {"revoked": revoked}

    def update(self, token_lifetime=None, outage_after=UNSET, reject_tokens=None):
        """Change the lifetime of tokens issued from now on, and the outages: `outage_after` (tokens to issue
        before the token endpoint goes down; None ends the outage), `reject_tokens` (bool)."""
        if token_lifetime is not None:
            self.token_lifetime = check_lifetime(token_lifetime)
        if outage_after is not UNSET:
            if outage_after is not None and (isinstance(outage_after, bool) or not isinstance(outage_after, int) or outage_after < 0):
                raise ValueError(f"outage_after must be a number of tokens (0 or more) or null, not {outage_after!r}")
            with self._outage_lock:
                self.outage_after = outage_after
        if reject_tokens is not None:
            if not isinstance(reject_tokens, bool):
                raise ValueError(f"reject_tokens must be true or false, not {reject_tokens!r}")
            self.reject_tokens = reject_tokens
        return self.settings()

    def settings(self):
        return {"platform": self.platform.name, "token_url": self.token_url, "token_lifetime": self.token_lifetime,
                "clients": self.clients.listing(), "active_tokens": self.tokens.active(),
                "faults": self.faults.settings(), "outage_after": self.outage_after, "reject_tokens": self.reject_tokens}

    def secret_values(self):
        """The client secrets (never written to a log)."""
        return self._secrets

    def redact(self, credential):
        """A credential for the request log: a client secret sent as username or token is not written down."""
        return "[a client secret]" if credential in self._secrets else credential

    def carries_secret(self, query, body, auth):
        """Whether a request carried a client secret: a `client_secret` parameter or a secret's value in the
        query string or body (bytes), or a secret as the basic password or bearer token (`auth`: Caller)."""
        if auth.password in self._secrets or (auth.scheme == "bearer" and auth.credential in self._secrets):
            return True
        return any(marker in query or marker in body for marker in self._markers)
