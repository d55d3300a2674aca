# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client of simfleet.twilio: authentication, paging, retries and Twilio error handling.

Private to the collection: its interface may change between releases.
"""

import email.utils
import random
import re
import threading
import time
import traceback
from urllib.parse import urlsplit

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

COLLECTION_VERSION = "1.0.0"
USER_AGENT = "simfleet.twilio/%s (Ansible collection; +https://github.com/simfleet/twilio)" % COLLECTION_VERSION
DEFAULT_BASE_URL = "https://{product}.twilio.com"
MAX_PAGE_SIZE = 1000
# 429 and server-side failures are retried: list requests are GETs, safe to repeat. 501 and 505 say the
# request itself can never succeed.
NEVER_RETRIED_5XX = frozenset((501, 505))
ERROR_DOCS = "https://www.twilio.com/docs/errors/%s"
ACCOUNT_SID_PATTERN = r"^AC[0-9a-fA-F]{32}$"
API_KEY_PATTERN = r"^SK[0-9a-fA-F]{32}$"


# Connection options: name -> (environment variable, argument spec). Shared with the inventory plugin.
CONNECTION_OPTIONS = {
    "account_sid": ("TWILIO_ACCOUNT_SID", dict(type="str")),
    "auth_token": ("TWILIO_AUTH_TOKEN", dict(type="str", no_log=True)),
    "api_key": ("TWILIO_API_KEY", dict(type="str", no_log=False)),
    "api_secret": ("TWILIO_API_SECRET", dict(type="str", no_log=True)),
    "base_url": ("TWILIO_BASE_URL", dict(type="str", default=DEFAULT_BASE_URL)),
    "timeout": ("TWILIO_TIMEOUT", dict(type="float", default=30)),
    "validate_certs": ("TWILIO_VALIDATE_CERTS", dict(type="bool", default=True)),
    "max_retries": ("TWILIO_MAX_RETRIES", dict(type="int", default=5)),
    "max_retry_time": ("TWILIO_MAX_RETRY_TIME", dict(type="float", default=60)),
}


def connection_problems(options):
    """Messages for missing or out-of-range connection options, checked before any request."""
    problems = []
    if not options.get("account_sid"):
        problems.append("account_sid is required: set the option or the TWILIO_ACCOUNT_SID environment variable")
    elif not re.match(ACCOUNT_SID_PATTERN, options["account_sid"]):
        problems.append("account_sid must match %s (an Account SID, AC followed by 32 hex digits)" % ACCOUNT_SID_PATTERN)
    if options.get("api_key") and not re.match(API_KEY_PATTERN, options["api_key"]):
        problems.append("api_key must match %s (an API key SID, SK followed by 32 hex digits)" % API_KEY_PATTERN)
    if bool(options.get("api_key")) != bool(options.get("api_secret")):
        problems.append("api_key and api_secret must be set together (options or TWILIO_API_KEY and TWILIO_API_SECRET)")
    elif not options.get("api_key") and not options.get("auth_token"):
        problems.append("auth_token is required unless api_key and api_secret are set: set the option or the TWILIO_AUTH_TOKEN "
                        "environment variable")
    if options.get("timeout") is not None and options["timeout"] <= 0:
        problems.append("timeout must be greater than 0, got %s" % options["timeout"])
    if options.get("max_retries") is not None and options["max_retries"] < 0:
        problems.append("max_retries must be 0 or more, got %s" % options["max_retries"])
    if options.get("max_retry_time") is not None and options["max_retry_time"] < 0:
        problems.append("max_retry_time must be 0 or more, got %s" % options["max_retry_time"])
    return problems


def client_from_options(options):
    """A TwilioClient from the connection options (module params or inventory options)."""
    return TwilioClient(**dict((name, options.get(name)) for name in CONNECTION_OPTIONS))


class TwilioError(Exception):
    """A failure talking to Twilio, with Twilio's error fields where the API gave them."""

    def __init__(self, message, http_status=None, code=None, more_info=None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.more_info = more_info

    def to_dict(self):
        """Twilio's error body fields, as the modules return them under ``error``."""
        return {"code": self.code, "message": self.message, "more_info": self.more_info, "status": self.http_status}


def resolve_base_url(base_url, product):
    """Return the URL root for a product: ``{product}`` replaced, scheme checked, no trailing slash."""
    url = (base_url or DEFAULT_BASE_URL).replace("{product}", product).rstrip("/")
    try:
        scheme, host, _port = _origin(url)
    except TwilioError:
        scheme = host = None
    if scheme not in ("http", "https") or not host:
        raise TwilioError("base_url must be an http or https URL such as %s, got %r" % (DEFAULT_BASE_URL, base_url))
    if "@" in urlsplit(url).netloc:
        raise TwilioError("base_url must not carry credentials; use account_sid and auth_token or api_key and api_secret")
    return url


def _retryable(http_status):
    """True for failures worth another attempt: no HTTP answer at all, 429, and most 5xx."""
    if http_status is None or http_status == 429:
        return True
    return 500 <= http_status < 600 and http_status not in NEVER_RETRIED_5XX


def _origin(url):
    """(scheme, host, port) of a URL, the default port filled in; TwilioError for a malformed URL."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError as err:
        raise TwilioError("malformed URL %r: %s" % (url, err)) from None
    return parts.scheme, (parts.hostname or "").lower(), port


def _retry_after_seconds(value):
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_from_response(response, method_url):
    """Build a TwilioError from an HTTP error response, parsing Twilio's error body defensively."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get("code") or body.get("message")):
        code = body.get("code")
        message = body.get("message") or response.reason or "error"
        more_info = body.get("more_info") or (ERROR_DOCS % code if code else None)
        text = "Twilio API error %s (HTTP %s): %s" % (code if code is not None else "without code", status, message)
        if more_info:
            text += ", see %s" % more_info
        return TwilioError(text, http_status=status, code=code, more_info=more_info)
    return TwilioError(
        "Twilio API answered HTTP %s %s for %s with a body that is not a Twilio error (%d bytes)"
        % (status, response.reason or "", method_url, len(response.content or b"")),
        http_status=status,
    )


class TwilioClient:
    """Talks to Twilio's Wireless and Super SIM REST APIs.

    One ``requests.Session`` per thread keeps connections alive across pages. Every request has a timeout;
    429, 5xx (but 501 and 505), connection errors, timeouts and truncated bodies are retried with exponential
    backoff and jitter, honouring ``Retry-After``, within ``max_retries`` attempts and ``max_retry_time``
    seconds. Other HTTP errors are never retried.
    """

    def __init__(self, account_sid, auth_token=None, api_key=None, api_secret=None, base_url=DEFAULT_BASE_URL,
                 timeout=30, validate_certs=True, max_retries=5, max_retry_time=60, backoff_base=0.5, backoff_max=20):
        if not HAS_REQUESTS:
            raise TwilioError("the Python library 'requests' is required")
        if not account_sid:
            raise TwilioError("account_sid is required (or set TWILIO_ACCOUNT_SID)")
        if api_key or api_secret:
            if not (api_key and api_secret):
                raise TwilioError("api_key and api_secret must be given together (or set TWILIO_API_KEY and TWILIO_API_SECRET)")
            self._auth = (api_key, api_secret)
        elif auth_token:
            self._auth = (account_sid, auth_token)
        else:
            raise TwilioError("auth_token is required unless api_key and api_secret are given (or set TWILIO_AUTH_TOKEN)")
        resolve_base_url(base_url, "wireless")
        self.account_sid = account_sid
        self.base_url = base_url or DEFAULT_BASE_URL
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.max_retries = max_retries
        self.max_retry_time = max_retry_time
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.request_count = 0
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.Lock()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.auth = self._auth
            session.verify = self.validate_certs
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
        return resolve_base_url(self.base_url, product) + path

    # -- single requests ---------------------------------------------------------------------------

    def get_json(self, product, path_or_url, params=None):
        """GET one resource or page, with retries, and return its parsed JSON body."""
        url = path_or_url if "://" in path_or_url else self.url(product, path_or_url)
        return self._get(url, params)

    def fetch(self, product, path):
        """Fetch one record; None when Twilio answers 404 (not found)."""
        try:
            return self.get_json(product, path)
        except TwilioError as err:
            if err.http_status == 404:
                return None
            raise

    def _get(self, url, params=None):
        deadline = time.monotonic() + self.max_retry_time
        attempt = 0
        while True:
            attempt += 1
            wait, failure = self._attempt(url, params)
            if failure is None:
                return wait
            remaining = deadline - time.monotonic()
            if not _retryable(failure.http_status):
                raise failure
            if attempt > self.max_retries:
                raise TwilioError("%s; gave up after %d attempts" % (failure.message, attempt),
                                  http_status=failure.http_status, code=failure.code, more_info=failure.more_info)
            delay = self._delay(attempt, failure)
            if delay > remaining:
                raise TwilioError("%s; gave up: the next retry would pass max_retry_time (%ss)" % (failure.message, self.max_retry_time),
                                  http_status=failure.http_status, code=failure.code, more_info=failure.more_info)
            time.sleep(delay)

    def _attempt(self, url, params):
        """One request. Returns (body, None) on success or (None, TwilioError) on failure."""
        self.request_count += 1
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.exceptions.Timeout:
            return None, TwilioError("Twilio API request timed out after %ss: GET %s" % (self.timeout, url))
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
            return None, TwilioError("cannot reach Twilio API at %s: %s" % (url, type(err).__name__))
        except requests.exceptions.RequestException as err:
            raise TwilioError("request to Twilio API failed: GET %s: %s" % (url, type(err).__name__)) from None
        if response.status_code >= 400:
            failure = _error_from_response(response, "GET %s" % url)
            failure.retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            return None, failure
        try:
            return response.json(), None
        except ValueError:
            # A body cut short in transit; worth another attempt, then a clear failure.
            return None, TwilioError("Twilio API returned a body that is not valid JSON (HTTP %s, %d bytes) for GET %s"
                                     % (response.status_code, len(response.content or b""), response.url))

    def _delay(self, attempt, failure):
        retry_after = getattr(failure, "retry_after", None)
        if retry_after is not None:
            return retry_after
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)

    # -- lists -------------------------------------------------------------------------------------

    def iter_records(self, product, path, key, params=None, page_size=MAX_PAGE_SIZE, limit=None, stop_at=None):
        """Yield every record of a list endpoint, following ``meta.next_page_url`` until it is null.

        Stops after ``limit`` records, asking for no bigger page than needed, and at the first record for which
        ``stop_at(record)`` is true (that record is not yielded, and no further page is asked for). A record whose ``sid`` was
        already yielded is skipped. A ``next_page_url`` on another scheme, host or port than the base URL,
        or one already visited, is an error: credentials never leave the configured host and paging
        always ends.
        """
        if limit is not None and limit <= 0:
            return
        query = dict((k, v) for k, v in (params or {}).items() if v is not None)
        query["PageSize"] = min(page_size, limit) if limit else page_size
        url = self.url(product, path)
        origin = _origin(url)
        visited = set()
        seen_sids = set()
        count = 0
        while url:
            body = self._get(url, query)
            query = None  # next_page_url carries the query
            visited.add(url)
            if not isinstance(body, dict):
                raise TwilioError("Twilio API returned an unexpected list body for %s" % url)
            meta = body.get("meta") or {}
            records = body.get(meta.get("key") or key)
            if not isinstance(records, list):
                raise TwilioError("Twilio API list response for %s has no %r list" % (url, key))
            for record in records:
                if stop_at is not None and stop_at(record):
                    return
                sid = record.get("sid") if isinstance(record, dict) else None
                if sid is not None:
                    if sid in seen_sids:
                        continue
                    seen_sids.add(sid)
                yield record
                count += 1
                if limit is not None and count >= limit:
                    return
            next_url = meta.get("next_page_url")
            if next_url:
                try:
                    next_origin = _origin(next_url)
                except TwilioError as err:
                    raise TwilioError("refusing to follow next_page_url: %s" % err) from None
                if next_origin != origin:
                    raise TwilioError("refusing to follow next_page_url %s: it leaves the configured API host %s://%s:%s"
                                      % ((next_url,) + origin))
                if next_url in visited:
                    raise TwilioError("Twilio API paging loops: next_page_url %s was already fetched" % next_url)
            url = next_url

    def list_records(self, product, path, key, params=None, page_size=MAX_PAGE_SIZE, limit=None, stop_at=None):
        return list(self.iter_records(product, path, key, params=params, page_size=page_size, limit=limit, stop_at=stop_at))
