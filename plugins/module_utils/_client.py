# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client of simfleet.twilio: platforms, authentication, paging, retries and error handling.

Twilio and KORE Wireless serve the same IoT resources; they differ in hosts, in authentication (HTTP basic with
an Account SID and Auth Token or an API key on Twilio, OAuth 2.0 client credentials on KORE) and in where error
codes are documented. Everything else goes through one request path.

Private to the collection: its interface may change between releases.
"""

import base64
import email.utils
import errno
import functools
import inspect
import json
import math
import random
import re
import socket
import threading
import time
import traceback
from http.client import RemoteDisconnected
from dataclasses import dataclass, field
from typing import Tuple
from urllib.parse import quote, quote_plus, urljoin, urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import NewConnectionError
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import REDACTED, matches
from ansible_collections.simfleet.twilio.plugins.module_utils._version import COLLECTION_VERSION

USER_AGENT = "simfleet.twilio/%s (Ansible collection; +https://github.com/simfleet/twilio)" % COLLECTION_VERSION
MAX_PAGE_SIZE = 1000
# A listing stops with an error after this many pages: 100 million records at the default page size, far beyond
# any account, so only a server that never stops handing out pages reaches it.
MAX_PAGES = 100000
MAX_REDIRECTS = 5
# The largest body read: a page of 1000 records is about 1.5 MB.
MAX_BODY_BYTES = 32 * 1024 * 1024
# 501 and 505 say the request itself can never succeed.
NEVER_RETRIED_5XX = frozenset((501, 505))
# Bounds of the numeric connection options: finite, and within what a run can sensibly wait.
NUMBER_BOUNDS = {"timeout": (0, 3600, False), "max_retry_time": (0, 86400, True), "max_retries": (0, 100, True)}
ACCOUNT_SID_PATTERN = r"^AC[0-9a-fA-F]{32}$"
API_KEY_PATTERN = r"^SK[0-9a-fA-F]{32}$"
KORE_TOKEN_URL = "https://api.korewireless.com/api-services/v1/auth/token"
ACCESS_TOKEN = re.compile(r"[!-~]{1,8192}")  # what an Authorization header can carry
# A token request is retried at most this often, whatever max_retries says: a token endpoint that is down costs a
# few requests for the whole run, not max_retries for every request that needs a token.
TOKEN_MAX_RETRIES = 2
# Access tokens in a row the API may refuse (401) before the run stops asking for new ones.
MAX_REFUSED_TOKENS = 2
# Secrets shorter than this are scrubbed from error messages only: in answer bodies they would hit data too.
MIN_BODY_SECRET = 8


@dataclass(frozen=True)
class Platform:
    """Where a platform serves the APIs and how it names things.

    base_url: the default root URL, ``{product}`` standing for the product's host label; hosts: the label of each
    product; credentials: the options that authenticate on this platform; domain: the domain of the platform's own
    hosts, each product on a host of its own (a base_url there needs ``{product}``).
    """

    name: str
    label: str
    base_url: str
    hosts: Tuple[Tuple[str, str], ...]
    error_docs: str
    credentials: Tuple[str, ...]
    domain: str = ""

    def host(self, product):
        return dict(self.hosts)[product]


PLATFORMS = {
    "twilio": Platform(
        name="twilio", label="Twilio", base_url="https://{product}.twilio.com",
        hosts=(("wireless", "wireless"), ("supersim", "supersim")),
        error_docs="https://www.twilio.com/docs/errors/%s", credentials=("auth_token", "api_key", "api_secret"),
        domain="twilio.com",
    ),
    "kore": Platform(
        name="kore", label="KORE", base_url="https://{product}.api.korewireless.com",
        hosts=(("wireless", "programmable-wireless"), ("supersim", "supersim")),
        error_docs="https://docs.korewireless.com/errors/%s", credentials=("client_id", "client_secret"),
        domain="korewireless.com",
    ),
}


@dataclass(frozen=True)
class ConnectionOption:
    """A connection option shared by the modules and the plugins: its environment variable and argument spec."""

    env: str
    spec: dict = field(default_factory=dict)


CONNECTION_OPTIONS = {
    "platform": ConnectionOption("TWILIO_PLATFORM", dict(type="str", choices=sorted(PLATFORMS))),
    "account_sid": ConnectionOption("TWILIO_ACCOUNT_SID", dict(type="str")),
    "auth_token": ConnectionOption("TWILIO_AUTH_TOKEN", dict(type="str", no_log=True)),
    "api_key": ConnectionOption("TWILIO_API_KEY", dict(type="str", no_log=False)),
    "api_secret": ConnectionOption("TWILIO_API_SECRET", dict(type="str", no_log=True)),
    "client_id": ConnectionOption("KORE_CLIENT_ID", dict(type="str", no_log=False)),
    "client_secret": ConnectionOption("KORE_CLIENT_SECRET", dict(type="str", no_log=True)),
    "token_url": ConnectionOption("KORE_TOKEN_URL", dict(type="str", default=KORE_TOKEN_URL, no_log=False)),
    "base_url": ConnectionOption("TWILIO_BASE_URL", dict(type="str")),
    "timeout": ConnectionOption("TWILIO_TIMEOUT", dict(type="float", default=30)),
    "validate_certs": ConnectionOption("TWILIO_VALIDATE_CERTS", dict(type="bool", default=True)),
    "max_retries": ConnectionOption("TWILIO_MAX_RETRIES", dict(type="int", default=5)),
    "max_retry_time": ConnectionOption("TWILIO_MAX_RETRY_TIME", dict(type="float", default=60)),
}
SECRET_OPTIONS = tuple(name for name, option in CONNECTION_OPTIONS.items() if option.spec.get("no_log"))


class TwilioError(Exception):
    """A failure talking to the API, with the platform's error fields where the API gave them."""

    def __init__(self, message, http_status=None, code=None, more_info=None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.more_info = more_info
        self.may_be_applied = False  # a write that failed after it may have reached the API

    def to_dict(self):
        """The error body fields, as the modules return them under ``error``."""
        return {"code": self.code, "message": self.message, "more_info": self.more_info, "status": self.http_status}


class _Failure(TwilioError):
    """The failure of one attempt, with what decides whether another attempt is worth it."""

    def __init__(self, message, http_status=None, code=None, more_info=None, sent=True, retry=True, retry_after=None, redirect=None,
                 answered=False):
        super().__init__(message, http_status, code, more_info)
        self.sent = sent  # the request may have reached the server
        self.retry = retry  # worth another attempt at all (a certificate failure is not)
        self.retry_after = retry_after
        self.redirect = redirect
        self.answered = answered  # the server answered 2xx (it took the request) with a body that cannot be read


def _scrubbing(method):
    """Every TwilioError leaving ``method`` (of TwilioClient) has passed the client's scrubber, wherever it was
    built: a message quoting what a server sent (a URL, an error body, a token answer) never shows a secret."""
    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except TwilioError as err:
                self.scrub_error(err)
                raise
        return generator

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except TwilioError as err:
            self.scrub_error(err)
            raise
    return wrapper


def platform_of(options):
    """The platform the options ask for: ``platform`` when set, else KORE when ``client_id`` is set, else Twilio."""
    return options.get("platform") or ("kore" if options.get("client_id") else "twilio")


def _number_problems(options):
    problems = []
    for name, (low, high, low_included) in NUMBER_BOUNDS.items():
        value = options.get(name)
        if value is None:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
                or value > high or value < low or (value == low and not low_included):
            problems.append("%s must be %s and at most %s, got %r"
                            % (name, "%s or more" % low if low_included else "greater than %s" % low, high, value))
    return problems


def _url_problem(name, url):
    """Why ``url`` cannot be a root URL of the API or the token URL, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # pylint: disable=pointless-statement
    except ValueError as err:
        return "%s must be an http or https URL, got %r (%s)" % (name, url, err)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "%s must be an http or https URL, got %r" % (name, url)
    if "@" in parts.netloc:
        return "%s must not carry credentials in the URL; use the credential options" % name
    if parts.query or parts.fragment or url.rstrip().endswith(("?", "#")):
        return "%s must not have a query string or a fragment, got %r" % (name, url)
    if url != url.strip():
        return "%s must not have leading or trailing white space, got %r" % (name, url)
    return None


def connection_problems(options):
    """Messages for missing, conflicting or out-of-range connection options, checked before any request."""
    problems = []
    platform = platform_of(options)
    if platform not in PLATFORMS:
        return ["platform must be one of %s, got %r" % (", ".join(sorted(PLATFORMS)), platform)]
    given = dict((name, [n for n in p.credentials if options.get(n)]) for name, p in PLATFORMS.items())
    other = [n for name, names in given.items() if name != platform for n in names]
    if given["twilio"] and given["kore"]:
        problems.append("credentials of both platforms are set (Twilio: %s; KORE: %s): set either Twilio's auth_token or "
                        "api_key and api_secret, or KORE's client_id and client_secret, not both (check the TWILIO_* and "
                        "KORE_* environment variables too)" % (", ".join(given["twilio"]), ", ".join(given["kore"])))
    elif other:
        problems.append("platform is %s, but %s %s credentials of the other platform: unset them or set platform accordingly"
                        % (platform, ", ".join(other), "is" if len(other) == 1 else "are"))
    account_sid = options.get("account_sid")
    if platform == "twilio" and not account_sid:
        problems.append("account_sid is required: set the option or the TWILIO_ACCOUNT_SID environment variable")
    elif account_sid and not matches(ACCOUNT_SID_PATTERN, account_sid):
        problems.append("account_sid must match %s (an Account SID, AC followed by 32 hex digits)" % ACCOUNT_SID_PATTERN)
    if platform == "twilio":
        if options.get("api_key") and not matches(API_KEY_PATTERN, options["api_key"]):
            problems.append("api_key must match %s (an API key SID, SK followed by 32 hex digits)" % API_KEY_PATTERN)
        if bool(options.get("api_key")) != bool(options.get("api_secret")):
            problems.append("api_key and api_secret must be set together (options or TWILIO_API_KEY and TWILIO_API_SECRET)")
        elif not options.get("api_key") and not options.get("auth_token"):
            problems.append("auth_token is required unless api_key and api_secret are set: set the option or the "
                            "TWILIO_AUTH_TOKEN environment variable")
    else:
        for name, env in (("client_id", "KORE_CLIENT_ID"), ("client_secret", "KORE_CLIENT_SECRET")):
            if not (options.get(name) or "").strip():
                problems.append("%s is required on KORE: set the option or the %s environment variable" % (name, env))
        problem = _url_problem("token_url", options.get("token_url") or KORE_TOKEN_URL)
        if problem:
            problems.append(problem)
    problem = _url_problem("base_url", (options.get("base_url") or PLATFORMS[platform].base_url).replace("{product}", "wireless"))
    if problem is None and options.get("base_url"):
        problem = _placeholder_problem(options["base_url"])
    if problem:
        problems.append(problem)
    return problems + _number_problems(options)


def _placeholder_problem(base_url):
    """Why a base_url without ``{product}`` cannot work, or None. A URL without it serves every product from one
    root (a proxy, a simulator); the platforms' own hosts serve each product on a host of its own, so a base_url
    on their domain without the placeholder sends the requests of some product to another product's host."""
    if "{product}" in base_url:
        return None
    host = (urlsplit(base_url).hostname or "").lower().rstrip(".")
    for platform in PLATFORMS.values():
        if host == platform.domain or host.endswith("." + platform.domain):
            labels = [label for dummy, label in platform.hosts]
            hosts = ", ".join(urlsplit(platform.base_url.replace("{product}", label)).hostname for label in labels)
            return ("base_url %s has no {product} placeholder, but %s serves each product on a host of its own (%s): "
                    "use base_url %s (the default), where {product} becomes %s"
                    % (base_url, platform.label, hosts, platform.base_url, " or ".join(labels)))
    return None


def client_from_options(options, client_class=None, **extra):
    """A TwilioClient (or ``client_class``, with its ``extra`` arguments) from the connection options (module params,
    inventory or event source options)."""
    return (client_class or TwilioClient)(**dict(((name, options.get(name)) for name in CONNECTION_OPTIONS), **extra))


def _origin(url):
    """(scheme, host, port) of a URL, the default port filled in; TwilioError for a malformed URL."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError as err:
        raise TwilioError("malformed URL %r: %s" % (url, err)) from None
    return parts.scheme, (parts.hostname or "").lower(), port


def _retry_after_seconds(value):
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date), or None when it says nothing
    usable. Never negative; an absurd value (``1e308``, 30 digits, a date centuries ahead) stays as large as it is
    (``inf`` for more than a float holds): the caller compares it with its bounds and never waits that long."""
    if not value:
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        seconds = None
    if seconds is None:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def _echoed_forms(value):
    """The forms in which a server may echo a secret: as sent, URL-encoded, form-encoded."""
    return set((value, quote(value, safe=""), quote_plus(value)))


def _secret_forms(value):
    """Every form of a secret to keep out of messages: those a server may echo, escaped as in JSON or Python, and
    the same of its Base64 encoding; longest first, so that no part of a longer form is left by a shorter one."""
    forms = set()
    for form in (value, base64.b64encode(value.encode("utf-8")).decode("ascii")):
        forms.update(_echoed_forms(form))
        forms.update((json.dumps(form)[1:-1], repr(form)[1:-1]))
    return sorted((form for form in forms if form), key=len, reverse=True)


def _duration(seconds):
    """A number of seconds for a message: ``3600 seconds``, ``1e+308 seconds``."""
    return "an unbounded time" if math.isinf(seconds) else "%g seconds" % seconds


def _read_body(response):
    """The whole body, or None when it is larger than MAX_BODY_BYTES (then the connection is dropped)."""
    chunks, size = [], 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            response.close()
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _causes(err):
    """``err`` and the exceptions it wraps, outermost first: requests wraps urllib3's, which wraps the socket's."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = getattr(err, "reason", None) or (err.args[0] if err.args and isinstance(err.args[0], BaseException) else None) \
            or err.__cause__ or err.__context__


def _never_connected(err):
    """True when a connection error happened before any byte could reach the server (refused, unresolvable name,
    connect timeout): a request that is not safe to repeat can then be sent again."""
    return any(isinstance(cause, (requests.exceptions.ConnectTimeout, NewConnectionError)) for cause in _causes(err))


# What the operating system's error numbers mean for a connection, in a message.
_ERRNO_CAUSES = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset by the server",
    errno.ECONNABORTED: "connection aborted",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ETIMEDOUT: "connect timeout",
    errno.EPIPE: "the server closed the connection while the request was sent",
}


def _connection_cause(err):
    """Why a connection failed, in words: ``connection refused``, ``name resolution failed: ...``, ..."""
    causes = list(_causes(err))
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            return "name resolution failed: %s" % (cause.strerror or cause)
        if isinstance(cause, requests.exceptions.ProxyError):
            return "the proxy refused or failed the connection (check the HTTPS_PROXY, HTTP_PROXY and NO_PROXY variables)"
    for cause in causes:
        if isinstance(cause, RemoteDisconnected):
            return "the server closed the connection without an answer"
        if isinstance(cause, OSError) and cause.errno in _ERRNO_CAUSES:
            return _ERRNO_CAUSES[cause.errno]
    for cause in causes:
        if isinstance(cause, requests.exceptions.ConnectTimeout):
            return "connect timeout"
    for cause in reversed(causes):  # the innermost error that says something
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[:1].lower() + cause.strerror[1:]
    return type(causes[-1]).__name__


def _tls_cause(err):
    """What went wrong in a TLS connection: the certificate check (and why it failed) or the handshake."""
    text = str(err)
    reason = re.search(r"certificate verify failed: ([^()]+?)\s*(?:\(_ssl|$|\)|\'|\")", text)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return "certificate verification failed (certificate verify failed%s)" % (": %s" % reason.group(1) if reason else "")
    reason = re.search(r"\[SSL: ([A-Z0-9_]+)\]", text)
    return "TLS handshake failed%s" % (" (%s)" % reason.group(1).lower().replace("_", " ") if reason else "")


def _host_port(url):
    """``host:port`` of a URL for a message, the default port filled in (``[::1]:443`` for an IPv6 address)."""
    try:
        dummy, host, port = _origin(url)
    except TwilioError:
        return url
    host = "[%s]" % host if ":" in host else host
    return "%s:%s" % (host, port) if port else host


def _request_line(method, url):
    """``METHOD URL`` without the query string: the endpoint a message names."""
    try:
        parts = urlsplit(url)
        url = parts._replace(query="", fragment="").geturl()
    except ValueError:
        pass
    return "%s %s" % (method, url)


def _not_found(err):
    """True for the API's own 404 (an error body with a code): the record does not exist. A 404 without one is no
    answer of the API (a wrong base_url) and stays an error."""
    return err.http_status == 404 and (err.code is not None or err.more_info is not None)


def _json(content):
    """The parsed JSON of a body; ValueError when it is not JSON, RecursionError when it nests absurdly deep."""
    return json.loads(content.decode("utf-8"))


# -- the per-request deadline ----------------------------------------------------------------------------------------
# requests' timeout bounds each socket operation, so a server that trickles a byte at a time keeps a request alive
# indefinitely. A watchdog shuts the request's socket down when the whole request has taken ``timeout`` seconds.
# It learns the connection from the connection pools below, which note the connection each thread takes. One
# daemon thread watches every deadline of the process, so a request costs no thread of its own.
_ACTIVE = threading.local()


class _Deadlines:
    """The one thread that expires overdue requests."""

    def __init__(self):
        self._condition = threading.Condition()
        self._watches = set()
        self._thread = None

    def add(self, watch):
        with self._condition:
            self._watches.add(watch)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="simfleet-twilio-deadlines", daemon=True)
                self._thread.start()
            self._condition.notify()

    def discard(self, watch):
        with self._condition:
            self._watches.discard(watch)

    def _run(self):
        with self._condition:
            while True:
                now = time.monotonic()
                for watch in [w for w in self._watches if w.deadline <= now]:
                    self._watches.discard(watch)
                    watch.expire()
                upcoming = min((w.deadline for w in self._watches), default=None)
                self._condition.wait(None if upcoming is None else upcoming - now)


_DEADLINES = _Deadlines()


class _Watchdog:
    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds
        self.sock = None
        self.expired = False

    def __enter__(self):
        _ACTIVE.watchdog = self
        _DEADLINES.add(self)
        return self

    def __exit__(self, *exc):
        _DEADLINES.discard(self)
        _ACTIVE.watchdog = None

    def expire(self):
        self.expired = True
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _watch(sock):
    """Note the socket of the current thread's request: the watchdog keeps it even when the connection hands it
    over to the response (a server that closes the connection after its answer)."""
    watchdog = getattr(_ACTIVE, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.sock = sock


def _watched(pool_class):
    class WatchedConnection(pool_class.ConnectionCls):
        def connect(self):
            super().connect()
            _watch(self.sock)

    class WatchedPool(pool_class):
        ConnectionCls = WatchedConnection

        def _get_conn(self, timeout=None):
            connection = super()._get_conn(timeout)
            _watch(connection.sock)  # a kept-alive connection: connected already
            return connection
    return WatchedPool


if HAS_REQUESTS:
    WATCHED_POOLS = {"http": _watched(HTTPConnectionPool), "https": _watched(HTTPSConnectionPool)}


# -- authentication --------------------------------------------------------------------------------------------------
class _NoAuth:
    """No Authorization header; also keeps requests from adding credentials of its own (``.netrc``)."""

    def __call__(self, request):
        return request


class _HeaderAuth:
    def __init__(self, value):
        self.value = value

    def __call__(self, request):
        request.headers["Authorization"] = self.value
        return request


class _KoreToken:
    """The OAuth 2.0 access token of a KORE API client: requested once, shared by every thread, renewed shortly
    before it expires and when the API refuses it.

    Authentication failures are final for the run (the client): when a token cannot be had (the token endpoint
    refuses the client, or is still down after TOKEN_MAX_RETRIES retries) or the API refuses MAX_REFUSED_TOKENS
    tokens in a row, every later request fails at once with that failure, without a token request. Only one thread
    asks for a token at a time, so the backoff of its retries holds back every thread.
    """

    def __init__(self, client, client_id, client_secret, token_url):
        self._client = client
        self._form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        self.token_url = token_url
        self._lock = threading.Lock()
        self.value = None
        self.generation = 0
        self._renew_at = 0.0
        self.requests = 0
        self._refused = 0  # tokens refused by the API in a row (reset when the API takes the current one)
        self._failure = None  # the authentication failure that ended the run's authentication

    def current(self):
        """(token, generation): the valid token, requested first when there is none or it is about to expire."""
        self._check_failure()
        with self._lock:
            self._check_failure()
            if self.value is None or time.monotonic() >= self._renew_at:
                self._request()
            return self.value, self.generation

    def accepted(self, generation):
        """The API took token ``generation`` (it answered something else than 401)."""
        if self._refused and generation == self.generation:
            self._refused = 0

    def refused(self, generation, failure):
        """The API refused token ``generation`` (``failure``: its 401): a new token, unless another thread renewed it
        already; when MAX_REFUSED_TOKENS tokens in a row were refused, a TwilioError that holds for the rest of the run."""
        with self._lock:
            self._check_failure()
            if self.generation != generation:
                return
            self._refused += 1
            if self._refused >= MAX_REFUSED_TOKENS:
                message = "%s; the KORE API refused %d access tokens in a row: no further token is requested" % (failure.message, self._refused)
                raise self._fail(TwilioError(message, failure.http_status, failure.code, failure.more_info))
            self._request()

    def _check_failure(self):
        """Raise the run's authentication failure, if there is one."""
        failure = self._failure
        if failure is not None:
            raise TwilioError("not sent: KORE authentication failed earlier in this run: %s" % failure.message,
                              failure.http_status, failure.code, failure.more_info)

    def _fail(self, error):
        """Make ``error`` the run's authentication failure; returns it, to raise."""
        self._failure = error
        return error

    def _request(self):
        self.requests += 1
        try:
            body = self._client.request("POST", self.token_url, data=self._form, idempotent=True, token_request=True)
            token, lifetime = self._read(body)
        except TwilioError as err:
            if err.__class__ is TwilioError:
                # The token request's own failure; not an error of a subclass that a gate raises for its batch
                # (a batch stopped by a storm), which says nothing of authentication.
                self._fail(err)
            raise
        self.value = token
        self.generation += 1
        self._client.add_secret(token)
        # Renew a little before the end: a tenth of the lifetime, at most a minute.
        self._renew_at = time.monotonic() + lifetime - min(60.0, lifetime / 10)

    def _read(self, body):
        """(access token, lifetime in seconds) of a token answer; TwilioError when it is not a usable one. A value
        of the answer quoted in a message never shows the token (a server may echo it in any field)."""
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise TwilioError("KORE token request to %s: the answer has no access_token" % self.token_url)
        if not ACCESS_TOKEN.fullmatch(token):
            raise TwilioError("KORE token request to %s: the access_token is not printable ASCII without spaces (%d characters)"
                              % (self.token_url, len(token)))

        def quoted(value):
            # Not yet among the client's secrets (the answer may be refused), the token is scrubbed here.
            text = repr(value)
            for form in _secret_forms(token):
                text = text.replace(form, REDACTED)
            return text

        token_type = body.get("token_type")
        if token_type is not None and str(token_type).lower() != "bearer":
            raise TwilioError("KORE token request to %s: unsupported token_type %s (expected Bearer)" % (self.token_url, quoted(token_type)))
        lifetime = body.get("expires_in")
        if lifetime is None:
            return token, math.inf  # renewed when the API refuses it
        try:
            seconds = float(lifetime)
        except (TypeError, ValueError, OverflowError):
            seconds = -1.0
        if not math.isfinite(seconds) or seconds <= 0:
            raise TwilioError("KORE token request to %s: expires_in must be a positive number of seconds, got %s"
                              % (self.token_url, quoted(lifetime)))
        return token, seconds


# -- errors ------------------------------------------------------------------------------------------------------------
def _error_from_response(response, content, request_line, platform, token_request, setting):
    """A failure from an HTTP error response, parsing the error body (Twilio's, KORE's or OAuth's) defensively.

    ``request_line``: the method and URL of the request, named in the message; ``setting``: (option, value) of the
    URL it was built from (base_url or token_url), named when the answer says that URL may be wrong."""
    status = response.status_code
    try:
        body = _json(content)
    except (ValueError, RecursionError):
        body = None
    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
    if isinstance(body, dict) and isinstance(body.get("error"), str) and token_request:
        description = body.get("error_description")
        text = "KORE token request failed: %s answered HTTP %s: %s" % (request_line, status, body["error"])
        if isinstance(description, str) and description:
            text += ": %s" % description
        return _Failure(text, http_status=status, retry_after=retry_after)
    if isinstance(body, dict) and (body.get("code") or body.get("message")):
        code = body.get("code")
        code = code if isinstance(code, (int, str)) and not isinstance(code, bool) else None
        message = body.get("message") if isinstance(body.get("message"), str) and body.get("message") else (response.reason or "error")
        more_info = body.get("more_info") if isinstance(body.get("more_info"), str) and body.get("more_info") else None
        more_info = more_info or (platform.error_docs % code if code is not None else None)
        text = "%s API error %s (HTTP %s) for %s: %s" % (
            platform.label, code if code is not None else "without code", status, request_line, message)
        if more_info:
            text += ", see %s" % more_info
        return _Failure(text, http_status=status, code=code, more_info=more_info, retry_after=retry_after)
    what = "KORE token endpoint" if token_request else "%s API" % platform.label
    text = "%s answered HTTP %s %s for %s with a body that is not an error of the API (%d bytes)" % (
        what, status, response.reason or "", request_line, len(content))
    if status in (404, 405):
        # Every path the client asks for exists on the API; a plain 404 (or 405) comes from another server.
        text += ": %s may be wrong (%s): no %s answers at %s" % (setting[0], setting[1], what, request_line.split(" ", 1)[1])
    return _Failure(text, http_status=status, retry_after=retry_after)


class TwilioClient:
    """Talks to the Wireless and Super SIM REST APIs of Twilio or KORE.

    One request path serves every method. Every request has a timeout that bounds it as a whole. 429, 5xx (but
    501 and 505), connection errors, timeouts and truncated bodies are retried with exponential backoff and
    jitter, honouring ``Retry-After``, within ``max_retries`` attempts and ``max_retry_time`` seconds, for requests
    that are safe to repeat; a request that is not (a POST that creates or sends something) is retried only when
    it cannot have been applied: a 429, or a connection that was never made. Certificate failures and other HTTP
    errors are never retried. Credentials go only to the API's own origin (the bearer token and Twilio's basic
    auth) or to the token URL (KORE's client secret); redirects to another origin are refused.
    """

    def __init__(self, account_sid=None, auth_token=None, api_key=None, api_secret=None, base_url=None, timeout=30,
                 validate_certs=True, max_retries=5, max_retry_time=60, platform=None, client_id=None, client_secret=None,
                 token_url=None, backoff_base=0.5, backoff_max=20, gate=None):
        if not HAS_REQUESTS:
            raise TwilioError("the Python library 'requests' is required")
        options = dict(platform=platform, account_sid=account_sid, auth_token=auth_token, api_key=api_key, api_secret=api_secret,
                       client_id=client_id, client_secret=client_secret, token_url=token_url, base_url=base_url,
                       timeout=timeout, max_retries=max_retries, max_retry_time=max_retry_time)
        problems = connection_problems(options)
        if problems:
            raise TwilioError("; ".join(problems))
        self.platform = PLATFORMS[platform_of(options)]
        self.account_sid = account_sid
        self.base_url = base_url or self.platform.base_url
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.max_retries = max_retries
        self.max_retry_time = max_retry_time
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.request_count = 0
        self._lock = threading.Lock()
        # Admits every attempt when set: ``gate.enter()`` before it, ``gate.leave(too_many, retry_after)`` after it
        # (too_many: the API answered 429), so that threads sharing the client slow down together.
        self.gate = gate
        self._secrets = ()  # every form of every secret, longest first: scrubbed from error messages
        self._body_secrets = ()  # the forms a server may echo in an answer: scrubbed from answer bodies
        for value in (auth_token, api_secret, client_secret):
            self.add_secret(value)
        if client_id and client_secret:
            # The client's credentials as HTTP basic would carry them.
            self.add_secret(base64.b64encode(("%s:%s" % (client_id, client_secret)).encode("utf-8")).decode("ascii"))
        self._api_origins = set(_origin(self.url(product, "")) for product, dummy in self.platform.hosts)
        self._token = None
        self._basic = None
        if self.platform.name == "kore":
            self._token = _KoreToken(self, client_id, client_secret, token_url or KORE_TOKEN_URL)
        else:
            user, password = (api_key, api_secret) if api_key else (account_sid, auth_token)
            credentials = base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")
            self._basic = "Basic " + credentials
            self.add_secret(credentials)
        self._local = threading.local()
        self._sessions = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def token_requests(self):
        """How many access tokens were requested (KORE)."""
        return self._token.requests if self._token else 0

    def add_secret(self, value):
        """A value never to be shown in an error message or an answer, also as a server may echo it: URL- or
        form-encoded, escaped as in JSON or Python, or Base64-encoded."""
        if not value:
            return
        with self._lock:
            # Replaced longest first, so that no part of a longer form is left when a shorter one is inside it.
            self._secrets = tuple(sorted(set(_secret_forms(value)).union(self._secrets), key=len, reverse=True))
            if len(value) >= MIN_BODY_SECRET:
                echoed = _echoed_forms(value) | _echoed_forms(base64.b64encode(value.encode("utf-8")).decode("ascii"))
                self._body_secrets = tuple(sorted(echoed.union(self._body_secrets), key=len, reverse=True))

    def _scrub(self, value, secrets=None):
        if not isinstance(value, str):
            return value
        for secret in self._secrets if secrets is None else secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def scrub_error(self, err):
        """Scrub the secrets from a TwilioError's fields, in place."""
        err.message = self._scrub(err.message)
        err.args = (err.message,)
        err.code = self._scrub(err.code)
        err.more_info = self._scrub(err.more_info)
        return err

    def _parse(self, content):
        """The parsed JSON of an answer body, every secret a server echoed in it replaced first."""
        text = content.decode("utf-8")
        return json.loads(self._scrub(text, self._body_secrets))

    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter()
            adapter.poolmanager.pool_classes_by_scheme = WATCHED_POOLS
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self):
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions = []
        self._local = threading.local()

    def url(self, product, path):
        """The URL of a path of a product's API: ``{product}`` of the base URL replaced by the platform's host label."""
        return self.base_url.replace("{product}", self.platform.host(product)).rstrip("/") + path

    # -- the request path ------------------------------------------------------------------------------------------

    @_scrubbing
    def request(self, method, url, params=None, data=None, idempotent=None, token_request=False):
        """Send one request, with retries, and return its parsed JSON body (None for an empty body).

        ``idempotent`` (by default true for GET and DELETE) decides which failures are retried: a request that is
        not idempotent is retried only when it cannot have been applied. A write (POST) answered 2xx with a body
        that cannot be read is never sent again: it may have been applied. A ``Retry-After`` longer than what is
        left of ``max_retry_time`` is not waited for: the request fails at once, naming the wait.
        """
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "DELETE")
        max_retries = min(self.max_retries, TOKEN_MAX_RETRIES) if token_request else self.max_retries
        deadline = time.monotonic() + self.max_retry_time
        attempt = redirects = 0
        renewed = False
        while True:
            attempt += 1
            auth, generation = self._auth_for(url, token_request)
            body, failure = self._admitted_attempt(method, url, params, data, auth, token_request)
            if generation is not None and (failure is None or failure.http_status not in (None, 401)):
                self._token.accepted(generation)
            if failure is None:
                return body
            if failure.redirect is not None:
                redirects += 1
                if method != "GET":
                    raise self._error("%s: only GET requests follow redirects" % failure.message, failure)
                if redirects > MAX_REDIRECTS:
                    raise self._error("%s: more than %d redirects in a row" % (failure.message, MAX_REDIRECTS), failure)
                url, params, attempt = failure.redirect, None, attempt - 1
                continue
            if failure.http_status == 401 and generation is not None:
                # A new token and one more attempt; the token's keeper raises instead once the API has refused
                # MAX_REFUSED_TOKENS tokens in a row (or no token can be had), for this request and every later one.
                again = "%s; the access token was refused again right after it was renewed" % failure.message
                self._token.refused(generation, self._error(again if renewed else failure.message, failure))
                if renewed:
                    raise self._error(again, failure)
                renewed, attempt = True, attempt - 1
                continue
            if failure.answered:
                error = self._error("%s; it was not sent again: the change may have been applied" % failure.message, failure)
                error.may_be_applied = True
                raise error
            if not self._retryable(failure, idempotent):
                if not idempotent and failure.sent and (failure.http_status is None or failure.http_status >= 500):
                    error = self._error("%s; it was not sent again: it may have been applied" % failure.message, failure)
                    error.may_be_applied = True
                    raise error
                raise self._error(failure.message, failure)
            if attempt > max_retries:
                raise self._error("%s; gave up after %d attempt%s" % (failure.message, attempt, "" if attempt == 1 else "s"), failure)
            delay = self._delay(attempt, failure)
            left = deadline - time.monotonic()
            if delay > left:
                if failure.retry_after is not None:
                    raise self._error("%s; not retried: the API asked to wait %s (Retry-After), more than the %s left of "
                                      "max_retry_time (%ss)" % (failure.message, _duration(delay), _duration(max(0.0, left)),
                                                                self.max_retry_time), failure)
                raise self._error("%s; gave up: the next retry would pass max_retry_time (%ss)" % (failure.message, self.max_retry_time), failure)
            time.sleep(delay)

    def _error(self, message, failure):
        return TwilioError(self._scrub(message), http_status=failure.http_status, code=self._scrub(failure.code),
                           more_info=self._scrub(failure.more_info))

    @staticmethod
    def _retryable(failure, idempotent):
        if not failure.retry:
            return False
        if failure.http_status is None:  # no HTTP answer at all
            return idempotent or not failure.sent
        if failure.http_status == 429:
            return True
        return idempotent and 500 <= failure.http_status < 600 and failure.http_status not in NEVER_RETRIED_5XX

    def _auth_for(self, url, token_request):
        """(auth, token generation): the credentials for a URL, only for the API's own origins."""
        if token_request or _origin(url) not in self._api_origins:
            return _NoAuth(), None
        if self._token is not None:
            token, generation = self._token.current()
            return _HeaderAuth("Bearer " + token), generation
        return _HeaderAuth(self._basic), None

    def _admitted_attempt(self, method, url, params, data, auth, token_request):
        """One attempt, admitted by the gate when there is one; a 429 tells the gate to slow everyone down."""
        if self.gate is None:
            return self._attempt(method, url, params, data, auth, token_request)
        self.gate.enter()
        failure = None
        try:
            body, failure = self._attempt(method, url, params, data, auth, token_request)
        finally:
            too_many = failure is not None and failure.http_status == 429
            pause = failure.retry_after if too_many else None
            if pause is not None and pause > self.max_retry_time:
                pause = None  # a wait this request does not make either (it fails at once): the gate's own pause
            self.gate.leave(too_many, pause)
        return body, failure

    def _attempt(self, method, url, params, data, auth, token_request):
        """One request. Returns (body, None) on success or (None, _Failure) on failure."""
        self.request_count += 1
        method_url = "%s %s" % (method, url)
        what = "the KORE token endpoint" if token_request else "%s API" % self.platform.label
        where = _host_port(url)
        setting = "token_url" if token_request else "base_url"
        watchdog = _Watchdog(self.timeout)
        response = None
        try:
            with watchdog:
                response = self.session.request(method, url, params=params, data=data, auth=auth, timeout=self.timeout,
                                                verify=self.validate_certs, allow_redirects=False, stream=True)
                content = _read_body(response)
        except requests.exceptions.SSLError as err:
            cause = _tls_cause(err)
            if cause.startswith("certificate"):
                return None, _Failure("TLS certificate problem talking to %s at %s: %s, for %s (validate_certs: false skips the "
                                      "check, only for a test server you trust)" % (what, where, cause, method_url), retry=False, sent=False)
            return None, _Failure("TLS problem talking to %s at %s: %s, for %s (is %s an https server? check %s)"
                                  % (what, where, cause, method_url, where, setting), retry=False, sent=False)
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ConnectionError) as err:
            if watchdog.expired:
                return None, self._timed_out(what, where, method_url, self._timeout_phase(err, watchdog, response))
            never = _never_connected(err)
            if isinstance(err, requests.exceptions.ConnectTimeout):
                return None, self._timed_out(what, where, method_url, "connect timeout: no connection made", sent=False)
            cause = _connection_cause(err)
            if cause.startswith("name resolution failed"):
                cause += "; check %s" % setting
            return None, _Failure("cannot %s %s at %s (%s): %s" % ("connect to" if never else "reach", what, where, cause, method_url),
                                  sent=not never)
        except requests.exceptions.Timeout as err:
            return None, self._timed_out(what, where, method_url, self._timeout_phase(err, watchdog, response))
        except requests.exceptions.ChunkedEncodingError as err:
            if watchdog.expired:
                return None, self._timed_out(what, where, method_url, self._timeout_phase(err, watchdog, response))
            return None, _Failure("%s at %s: the connection broke while reading the answer to %s (%s)"
                                  % (what, where, method_url, _connection_cause(err)))
        except requests.exceptions.RequestException as err:
            return None, _Failure("request to %s at %s failed: %s: %s (%s)" % (what, where, method_url, type(err).__name__, _connection_cause(err)),
                                  retry=False)
        if watchdog.expired:  # the socket was shut down mid-answer: whatever was read is not the answer
            return None, self._timed_out(what, where, method_url, "the answer did not arrive completely in time")
        if content is None:
            return None, _Failure("%s answered %s with a body over %d bytes; refusing to read it" % (what, method_url, MAX_BODY_BYTES),
                                  http_status=response.status_code, retry=False)
        if 300 <= response.status_code < 400:
            return None, self._redirect(response, url, method_url)
        if response.status_code >= 400:
            return None, _error_from_response(response, content, _request_line(method, url), self.platform, token_request,
                                              (setting, self._token.token_url if token_request else self.base_url))
        if not content:
            return None, None
        # A write the API took (2xx) but whose answer cannot be read may have been applied: never sent again.
        write = method == "POST" and not token_request
        try:
            return self._parse(content), None
        except RecursionError:
            return None, _Failure("%s returned JSON nested too deeply to read (HTTP %s, %d bytes) for %s"
                                  % (what, response.status_code, len(content), method_url), retry=False, answered=write)
        except ValueError:
            # A body cut short in transit; worth another attempt (unless it was a write), then a clear failure.
            return None, _Failure("%s returned a body that is not valid JSON (HTTP %s, %d bytes) for %s"
                                  % (what, response.status_code, len(content), method_url), retry=not write, answered=write)

    def _timed_out(self, what, where, method_url, phase, sent=True):
        return _Failure("%s request to %s timed out after %ss (%s): %s" % (what, where, self.timeout, phase, method_url), sent=sent)

    @staticmethod
    def _timeout_phase(err, watchdog, response):
        """Which part of a request ran out of time, in words."""
        if any("handshake" in str(cause) for cause in _causes(err)):
            return "TLS handshake timeout: the server did not complete the handshake"
        if response is not None:
            return "the answer did not arrive completely in time"
        if watchdog.sock is None or isinstance(err, requests.exceptions.ConnectTimeout):
            return "connect timeout: no connection made"
        return "read timeout: connected, but no answer"

    @staticmethod
    def _redirect(response, url, method_url):
        """The failure of a redirect: to follow when it stays on the same origin, refused otherwise."""
        location = response.headers.get("Location")
        target = urljoin(url, location) if location else None
        if target is None:
            return _Failure("HTTP %s without a Location for %s" % (response.status_code, method_url), http_status=response.status_code, retry=False)
        try:
            same = _origin(target) == _origin(url)
        except TwilioError:
            same = False
        if not same:
            return _Failure("refusing to follow the redirect (HTTP %s) of %s to %s: it leaves the origin of the request"
                            % (response.status_code, method_url, target), http_status=response.status_code, retry=False)
        return _Failure("HTTP %s redirect of %s to %s" % (response.status_code, method_url, target),
                        http_status=response.status_code, redirect=target)

    def _delay(self, attempt, failure):
        if failure.retry_after is not None:
            return failure.retry_after
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)

    # -- resources -------------------------------------------------------------------------------------------------

    @_scrubbing
    def fetch(self, endpoint, sid, **parents):
        """One record of an endpoint by SID (or unique name); None when the API answers 404 (not found). The
        record must be one of the endpoint's (its SID of the endpoint's pattern) and the one asked for (that SID or
        unique name)."""
        try:
            record = self.request("GET", self.url(endpoint.product, endpoint.fetch_path(sid, **parents)))
        except TwilioError as err:
            if _not_found(err):
                return None
            raise
        record = self._record(endpoint, record)
        if sid not in (record["sid"], record.get("unique_name")):
            raise TwilioError("%s API answered a fetch of %s %s with another record, %s" % (self.platform.label, endpoint.name, sid, record["sid"]))
        return record

    @_scrubbing
    def create(self, endpoint, data, parents=None, idempotent=False):
        """Create a record (a POST to the list path). Not retried once it may have reached Twilio, unless
        ``idempotent``: sending it twice could create two records or send a command twice. The answer must be a
        record of the endpoint, else the error says that the record may have been created (``may_be_applied``)."""
        url = self.url(endpoint.product, endpoint.list_path(**(parents or {})))
        return self._written(endpoint, self.request("POST", url, data=data, idempotent=idempotent), "POST %s" % url)

    @_scrubbing
    def update(self, endpoint, sid, data, parents=None, idempotent=True):
        """Change a record (a POST to the record's path). Setting fields to absolute values is safe to send again;
        an action (a connectivity reset) is not: ``idempotent=False``. The answer must be that record (its SID, or
        its unique name when ``sid`` is one), else the error says that the change may have been applied."""
        url = self.url(endpoint.product, endpoint.fetch_path(sid, **(parents or {})))
        method_url = "POST %s" % url
        record = self._written(endpoint, self.request("POST", url, data=data, idempotent=idempotent), method_url)
        # Addressed by unique name, the record answers with that name, or with the new one when the write renames it.
        by_name = endpoint.fetch_by_unique_name and endpoint.sid_pattern is not None and not matches(endpoint.sid_pattern, sid)
        names = (sid, (data or {}).get("UniqueName"))
        if record["sid"] != sid and not (by_name and record.get("unique_name") is not None and record.get("unique_name") in names):
            raise self._applied("%s API answered %s with another record, %s: the change may have been applied to %s %s"
                                % (self.platform.label, method_url, record["sid"], endpoint.name, sid))
        return record

    def _written(self, endpoint, body, method_url):
        """The record a write was answered with; a TwilioError (``may_be_applied``) when the answer is not one."""
        if body is None:
            raise self._applied("%s API answered %s with an empty body instead of the %s record: the change may have been applied"
                                % (self.platform.label, method_url, endpoint.name))
        try:
            return self._record(endpoint, body)
        except TwilioError as err:
            raise self._applied("%s, for %s: the change may have been applied" % (err.message, method_url)) from None

    def _applied(self, message):
        error = TwilioError(self._scrub(message))
        error.may_be_applied = True
        return error

    @_scrubbing
    def delete(self, endpoint, sid, parents=None):
        """Delete a record; False when it was already gone (404)."""
        try:
            self.request("DELETE", self.url(endpoint.product, endpoint.fetch_path(sid, **(parents or {}))))
        except TwilioError as err:
            if _not_found(err):
                return False
            raise
        return True

    def _record(self, endpoint, body):
        sid = body.get("sid") if isinstance(body, dict) else None
        if not isinstance(sid, str) or not sid or endpoint.sid_pattern and not matches(endpoint.sid_pattern, sid):
            raise TwilioError("%s API answered with a body that is not a %s record (no valid sid)" % (self.platform.label, endpoint.name))
        return body

    @_scrubbing
    def iter_records(self, endpoint, params=None, page_size=MAX_PAGE_SIZE, limit=None, stop_at=None, parents=None):
        """Yield every record of a list endpoint, following ``meta.next_page_url`` until it is null.

        The records are read from the list key the endpoint documents (``meta.key`` is not trusted). Stops after
        ``limit`` records, asking for no bigger page than needed, and at the first record for which
        ``stop_at(record)`` is true (that record is not yielded, and no further page is asked for). A record whose
        ``sid`` was already yielded is skipped. Paging always ends: a ``next_page_url`` on another scheme, host or
        port than the base URL, one already visited, one after a page that added no new record, or a listing of
        more than MAX_PAGES pages is an error, as is any page that is not a well-formed list page.
        """
        if limit is not None and limit <= 0:
            return
        query = dict((k, v) for k, v in (params or {}).items() if v is not None)
        query["PageSize"] = min(page_size, limit) if limit else page_size
        url = self.url(endpoint.product, endpoint.list_path(**(parents or {})))
        origin = _origin(url)
        visited = set()
        seen_sids = set()
        valid_sid = re.compile(endpoint.sid_pattern).fullmatch if endpoint.sid_pattern is not None else None
        count = pages = 0
        while url:
            pages += 1
            if pages > MAX_PAGES:
                raise TwilioError("%s API paging did not end within %d pages for %s" % (self.platform.label, MAX_PAGES, endpoint.path))
            try:
                body = self.request("GET", url, params=query)
            except TwilioError as err:
                # A listing of the account without filters always exists on the API: its 404 means another server.
                if pages == 1 and _not_found(err) and not endpoint.parents and set(query) == {"PageSize"}:
                    raise self._listing_not_found(err, endpoint, url) from None
                raise
            query = None  # next_page_url carries the query
            visited.add(url)
            records, next_url = self._list_page(endpoint, body, url)
            new = 0
            for record in records:
                if stop_at is not None and stop_at(record):
                    return
                if valid_sid is not None:
                    sid = record.get("sid")
                    if not isinstance(sid, str) or not valid_sid(sid):
                        raise TwilioError("%s API returned a %s record without a valid sid (got %r) on %s"
                                          % (self.platform.label, endpoint.name, sid if isinstance(sid, str) else type(sid).__name__, url))
                    if sid in seen_sids:
                        continue
                    seen_sids.add(sid)
                new += 1
                yield record
                count += 1
                if limit is not None and count >= limit:
                    return
            if next_url is not None:
                self._check_next_page(next_url, origin, visited, new)
            url = next_url

    def _listing_not_found(self, err, endpoint, url):
        """The error of a listing the API says does not exist: every listing of an account exists on the API, so the
        request went somewhere else, most often for a base_url without {product} (or with a wrong path)."""
        placeholder = "" if "{product}" in self.base_url else ", which has no {product} placeholder"
        return TwilioError("%s; the %s listing itself was not found at %s: base_url may be wrong (%s%s)"
                           % (err.message, endpoint.name, url, self.base_url, placeholder), err.http_status, err.code, err.more_info)

    def _list_page(self, endpoint, body, url):
        """(records, next_page_url) of a list page, every part of it checked."""
        label = self.platform.label
        if not isinstance(body, dict):
            raise TwilioError("%s API returned an unexpected list body for %s: not an object" % (label, url))
        meta = body.get("meta")
        if not isinstance(meta, dict):
            raise TwilioError("%s API list response for %s has no meta object, so it cannot tell whether more pages follow"
                              % (label, url))
        if meta.get("key") is not None and not isinstance(meta["key"], str):
            raise TwilioError("%s API list response for %s has a meta.key that is not a string" % (label, url))
        next_url = meta.get("next_page_url")
        if next_url is not None and (not isinstance(next_url, str) or not next_url):
            raise TwilioError("%s API list response for %s has a next_page_url that is not a URL: %r" % (label, url, next_url))
        records = body.get(endpoint.key)
        if not isinstance(records, list):
            raise TwilioError("%s API list response for %s has no %r list" % (label, url, endpoint.key))
        for record in records:
            if not isinstance(record, dict):
                raise TwilioError("%s API list response for %s has an item in %r that is not an object: %s"
                                  % (label, url, endpoint.key, type(record).__name__))
        return records, next_url

    def _check_next_page(self, next_url, origin, visited, new):
        try:
            next_origin = _origin(next_url)
        except TwilioError as err:
            raise TwilioError("refusing to follow next_page_url: %s" % err) from None
        if next_origin != origin:
            raise TwilioError("refusing to follow next_page_url %s: it leaves the configured API host %s://%s:%s"
                              % ((next_url,) + origin))
        if next_url in visited:
            raise TwilioError("%s API paging loops: next_page_url %s was already fetched" % (self.platform.label, next_url))
        if not new:
            raise TwilioError("%s API paging does not advance: a page with no new record (empty, or only records already "
                              "seen) names a next page %s" % (self.platform.label, next_url))

    @_scrubbing
    def list_records(self, endpoint, params=None, page_size=MAX_PAGE_SIZE, limit=None, stop_at=None, parents=None):
        return list(self.iter_records(endpoint, params=params, page_size=page_size, limit=limit, stop_at=stop_at, parents=parents))
