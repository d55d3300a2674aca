# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""simfleet.twilio.sim_events: an ansible-rulebook event source for SIM events.

Webhook mode receives Super SIM Connection Events (CloudEvents) as KORE Event Streams or Twilio deliver them,
checks their signature and puts one event per CloudEvent on the queue. Poll mode lists the SIMs with the
collection's client and queues status changes, added and removed SIMs.
"""

import asyncio
import base64
import collections
import hashlib
import hmac
import json
import logging
import math
import os
import re
import ssl
import sys
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web

DOCUMENTATION = r"""
---
name: sim_events
short_description: Receive Super SIM connection events from KORE or Twilio, or poll SIMs for changes
version_added: 2.0.0
author:
  - simfleet.twilio contributors (@simfleet)
description:
  - An ansible-rulebook event source for cellular IoT fleets on KORE Wireless and Twilio.
  - >-
    O(mode=webhook) (the default) serves an HTTP endpoint for Super SIM Connection Events (attachment accepted,
    rejected or failed; data session started, updated, ended or failed), CloudEvents 1.0 delivered by KORE Event
    Streams (or Twilio Event Streams) as a JSON array of up to 50 events per request, or one CloudEvent per request.
    Each CloudEvent becomes one event on the queue.
  - >-
    Every request's signature is checked before anything is queued: with O(platform=kore), the C(kore-signature)
    header, the hex SHA-256 of the signing secret, the method, O(callback_url) without query string and the raw
    body; with O(platform=twilio), the C(X-Twilio-Signature) header, the HMAC-SHA1 of the URL keyed with the Auth
    Token, and for JSON bodies the C(bodySHA256) query parameter against the body. A missing or wrong signature is
    answered 401. The secret never appears in logs or answers.
  - >-
    Senders retry and duplicate deliveries: an event whose C(id) or C(data.event_sid) was queued within the last
    O(dedup_window) seconds (at most O(dedup_max) identifiers are remembered) is not queued again. A redelivered
    batch is answered 200, so that the sender stops retrying.
  - >-
    Only POST on the path of O(callback_url) (C(/) without it) is served (other methods 405, other paths 404). A body over
    O(max_body_bytes) is answered 413; a body that is not JSON, or an element that is not a CloudEvent (an object with
    non-empty string C(id), C(source), C(specversion) and C(type)), is answered 400 and nothing of that request is
    queued.
  - >-
    Events are put on the queue with C(await queue.put()): when the rulebook falls behind, answers wait for room in
    the queue (ansible-rulebook's queue is bounded).
  - >-
    O(mode=poll) is for platforms and products without pushed events (Programmable Wireless, or no public
    endpoint): it lists the SIMs of O(product) every O(interval) seconds with the collection's client (the largest
    pages the API allows, so ceil(SIMs/1000) requests per poll) and queues C(simfleet.sim.status_changed),
    C(simfleet.sim.added) and C(simfleet.sim.removed) events. The first listing is the baseline. A failed listing is
    queued as one C(simfleet.source.error) event, and the source backs off (twice the wait after each failure in a
    row, at most 10 intervals) and goes on.
  - >-
    Every event has the same shape: C(type) (the CloudEvents type), C(kind) (the type without its platform prefix,
    for example C(supersim.connection.attachment.rejected), or C(sim.status_changed) for C(simfleet.sim.status_changed)),
    C(id), C(time), C(source), C(sim) (C(sid), C(iccid), C(unique_name), C(fleet_sid); null when the event lacks
    them) and C(data) (the CloudEvent's data as received; C({from, to}) statuses in poll mode). So one rulebook serves
    events delivered by KORE and by Twilio.
notes:
  - Options given as null are treated as not set. Unknown options, and values of the wrong type or out of range,
    stop the source at start with a message naming the option.
requirements:
  - aiohttp (both modes), requests (poll mode, through the collection's client)
options:
  mode:
    description:
      - V(webhook) receives pushed events; V(poll) lists SIMs periodically.
    type: str
    choices: [webhook, poll]
    default: webhook
  platform:
    description:
      - In webhook mode, who sends and signs the events; V(kore) for KORE Event Streams (the default in that mode),
        V(twilio) for Twilio.
      - In poll mode, the API to list, as the modules' O(platform) option; when not set, V(kore) if O(client_id) is set
        and V(twilio) otherwise. If not set, the value of the E(TWILIO_PLATFORM) environment variable is used in poll mode.
    type: str
    choices: [kore, twilio]
  host:
    description:
      - Webhook mode. The local address to listen on.
    type: str
    default: 0.0.0.0
  port:
    description:
      - Webhook mode. The local TCP port to listen on.
    type: int
    default: 5000
  callback_url:
    description:
      - Webhook mode. The public URL the sender is configured with and signs, for example
        C(https://events.example.com/kore); behind a proxy or a load balancer it differs from the local address.
        The source accepts POST on its path only.
      - When not set, the source serves C(/) and checks signatures against the URL of each request as it arrived
        (scheme, C(Host) header and path), which is right only when the sender reaches the source directly.
    type: str
    aliases: [public_url]
  secret:
    description:
      - Webhook mode. With O(platform=kore), the signing secret of the KORE account; with O(platform=twilio), the
        Auth Token of the Twilio account (O(auth_token) when not set).
      - Required unless O(verify=false). If not set, the value of the E(SIM_EVENTS_SECRET) environment variable is used.
    type: str
    aliases: [signing_secret]
  verify:
    description:
      - Webhook mode. Check each request's signature. V(false) is meant for tests only, as anyone who can reach the
        port can then inject events; the source warns at start.
    type: bool
    default: true
  certfile:
    description:
      - Webhook mode. Path of a PEM certificate (chain) file, to serve HTTPS instead of HTTP.
    type: path
  keyfile:
    description:
      - Webhook mode. Path of the private key of O(certfile), when it is not in that file.
    type: path
  max_body_bytes:
    description:
      - Webhook mode. The largest request body accepted, in bytes; larger ones are answered 413. A batch holds at most
        50 events of a few kilobytes.
    type: int
    default: 4194304
  dedup_window:
    description:
      - Webhook mode. Seconds during which an event identifier (C(id), C(data.event_sid)) already queued is recognised
        as a duplicate.
    type: float
    default: 3600
  dedup_max:
    description:
      - Webhook mode. The most event identifiers remembered for de-duplication; the oldest are forgotten first. Each
        takes about 150 bytes.
    type: int
    default: 200000
  interval:
    description:
      - Poll mode. Seconds between two listings.
    type: float
    default: 60
  product:
    description:
      - Poll mode. Which SIMs to list, V(supersim) (Super SIMs) or V(wireless) (Programmable Wireless SIMs).
    type: str
    choices: [supersim, wireless]
    default: supersim
  emit_initial:
    description:
      - Poll mode. Queue a C(simfleet.sim.added) event for every SIM of the first listing; by default the first
        listing is only the baseline.
    type: bool
    default: false
  account_sid:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(TWILIO_ACCOUNT_SID) environment variable is used.
    type: str
  auth_token:
    description:
      - Poll mode (and the Twilio signature in webhook mode). As the modules' option. If not set, the value of the
        E(TWILIO_AUTH_TOKEN) environment variable is used.
    type: str
  api_key:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(TWILIO_API_KEY) environment variable is used.
    type: str
  api_secret:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(TWILIO_API_SECRET) environment variable is used.
    type: str
  client_id:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(KORE_CLIENT_ID) environment variable is used.
    type: str
  client_secret:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(KORE_CLIENT_SECRET) environment variable is used.
    type: str
  token_url:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(KORE_TOKEN_URL) environment variable is used.
    type: str
    default: https://api.korewireless.com/api-services/v1/auth/token
  base_url:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(TWILIO_BASE_URL) environment variable is used.
    type: str
  timeout:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(TWILIO_TIMEOUT) environment variable is used.
    type: float
    default: 30
  validate_certs:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(TWILIO_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  max_retries:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(TWILIO_MAX_RETRIES) environment variable is used.
    type: int
    default: 5
  max_retry_time:
    description:
      - Poll mode. As the modules' option. If not set, the value of the E(TWILIO_MAX_RETRY_TIME) environment variable is used.
    type: float
    default: 60
"""

EXAMPLES = r"""
# KORE Event Streams webhook destination https://events.example.com/kore, behind a TLS-terminating proxy
# that forwards to port 5000
- name: SIM connection events
  hosts: localhost
  sources:
    - simfleet.twilio.sim_events:
        platform: kore
        port: 5000
        callback_url: https://events.example.com/kore
        secret: "{{ kore_signing_secret }}"
  rules:
    - name: Rejected attachments
      condition: event.kind == "supersim.connection.attachment.rejected"
      action:
        debug:

# Poll a Programmable Wireless fleet every 5 minutes
- name: SIM status changes
  hosts: localhost
  sources:
    - simfleet.twilio.sim_events:
        mode: poll
        product: wireless
        interval: 300
        account_sid: "{{ twilio_account_sid }}"
        auth_token: "{{ twilio_auth_token }}"
  rules:
    - name: A SIM left active
      condition: event.kind == "sim.status_changed" and event.data.from == "active"
      action:
        run_playbook:
          name: simfleet.twilio.eda_sim_left_active
"""

LOGGER = logging.getLogger(__name__)

KORE_SIGNATURE = "kore-signature"
TWILIO_SIGNATURE = "X-Twilio-Signature"
CLOUDEVENT_REQUIRED = ("id", "source", "specversion", "type")
# The platform prefix of a type ends where the product begins: com.twilio.iot.supersim.connection... -> supersim.connection...
KIND = re.compile(r"(?:^|\.)((?:supersim|wireless|sim|source)\..+)$")
POLL_PREFIX = "simfleet."
POLL_ENDPOINTS = {"supersim": "supersim_sim", "wireless": "wireless_sim"}
MAX_BACKOFF_INTERVALS = 10
DEFAULT_PORTS = {"http": 80, "https": 443}


class _Option:
    """One option of the source: type, default, choices, lower bound, environment variable and other names."""

    def __init__(self, kind, default=None, choices=None, minimum=None, env=None, above=False, aliases=()):
        self.kind, self.default, self.choices, self.minimum, self.env, self.above = kind, default, choices, minimum, env, above
        self.aliases = aliases


OPTIONS = {
    "mode": _Option("str", "webhook", ("webhook", "poll")),
    "platform": _Option("str", None, ("kore", "twilio")),
    "host": _Option("str", "0.0.0.0"),
    "port": _Option("int", 5000, minimum=0),
    "callback_url": _Option("str", aliases=("public_url",)),
    "secret": _Option("str", env="SIM_EVENTS_SECRET", aliases=("signing_secret",)),
    "verify": _Option("bool", True),
    "certfile": _Option("path"),
    "keyfile": _Option("path"),
    "max_body_bytes": _Option("int", 4194304, minimum=1),
    "dedup_window": _Option("float", 3600, minimum=0),
    "dedup_max": _Option("int", 200000, minimum=1),
    "interval": _Option("float", 60, minimum=0, above=True),
    "product": _Option("str", "supersim", ("supersim", "wireless")),
    "emit_initial": _Option("bool", False),
    "account_sid": _Option("str", env="TWILIO_ACCOUNT_SID"),
    "auth_token": _Option("str", env="TWILIO_AUTH_TOKEN"),
    "api_key": _Option("str", env="TWILIO_API_KEY"),
    "api_secret": _Option("str", env="TWILIO_API_SECRET"),
    "client_id": _Option("str", env="KORE_CLIENT_ID"),
    "client_secret": _Option("str", env="KORE_CLIENT_SECRET"),
    "token_url": _Option("str", "https://api.korewireless.com/api-services/v1/auth/token", env="KORE_TOKEN_URL"),
    "base_url": _Option("str", env="TWILIO_BASE_URL"),
    "timeout": _Option("float", 30, env="TWILIO_TIMEOUT"),
    "validate_certs": _Option("bool", True, env="TWILIO_VALIDATE_CERTS"),
    "max_retries": _Option("int", 5, env="TWILIO_MAX_RETRIES"),
    "max_retry_time": _Option("float", 60, env="TWILIO_MAX_RETRY_TIME"),
}
# platform is read from TWILIO_PLATFORM in poll mode only: in webhook mode it names the signer, not the API.
PLATFORM_ENV = "TWILIO_PLATFORM"
# Never quoted in messages.
SECRETS = ("secret", "auth_token", "api_secret", "client_secret")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _convert(name, option, value):
    """`value` as the option's type, or raise ValueError naming the option."""
    if option.kind in ("str", "path"):
        if not isinstance(value, str):
            raise ValueError("%s must be a string, got %s" % (name, "a %s" % type(value).__name__ if name in SECRETS else repr(value)))
        return os.path.expanduser(value) if option.kind == "path" else value
    if option.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS + FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        raise ValueError("%s must be a boolean (true or false), got %r" % (name, value))
    number = value
    if isinstance(value, str):
        try:
            number = int(value) if option.kind == "int" else float(value)
        except ValueError:
            number = value
    if isinstance(number, bool) or not isinstance(number, (int, float)) or (option.kind == "int" and not isinstance(number, int)) \
            or not math.isfinite(number):
        raise ValueError("%s must be %s, got %r" % (name, "an integer" if option.kind == "int" else "a number", value))
    if option.minimum is not None and (number < option.minimum or (option.above and number == option.minimum)):
        raise ValueError("%s must be %s %s, got %r" % (name, "greater than" if option.above else "at least", option.minimum, value))
    return number


def parse_args(args, environ=None):
    """The source's settings from the rulebook's arguments: defaults, environment variables, types and ranges checked.
    Raises ValueError listing every problem, each naming its option (and its allowed values)."""
    environ = os.environ if environ is None else environ
    args = dict(args or {})
    problems = []
    names = dict((alias, name) for name, option in OPTIONS.items() for alias in option.aliases)
    unknown = sorted(set(args) - set(OPTIONS) - set(names))
    if unknown:
        problems.append("unknown option%s %s; known options: %s"
                        % ("s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(OPTIONS))))
    for alias, name in names.items():
        if args.get(alias) is not None:
            if args.get(name) is not None:
                problems.append("%s and its alias %s are both set: set one" % (name, alias))
            else:
                args[name] = args[alias]
    settings = {}
    for name, option in OPTIONS.items():
        value = args.get(name)
        if value is None and option.env and environ.get(option.env):
            value = environ[option.env]
        if value is None:
            settings[name] = option.default
            continue
        try:
            settings[name] = _convert(name, option, value)
        except ValueError as err:
            problems.append(str(err))
            settings[name] = option.default
            continue
        if option.choices and settings[name] not in option.choices:
            problems.append("%s must be one of %s, got %r" % (name, ", ".join(option.choices), value))
    if settings["mode"] == "poll":
        if settings["platform"] is None and environ.get(PLATFORM_ENV):
            settings["platform"] = environ[PLATFORM_ENV]
            if settings["platform"] not in OPTIONS["platform"].choices:
                problems.append("platform must be one of kore, twilio, got %r (from %s)" % (settings["platform"], PLATFORM_ENV))
        problems.extend(_poll_problems(settings))
    elif settings["mode"] == "webhook":
        problems.extend(_webhook_problems(settings))
    if problems:
        raise ValueError("simfleet.twilio.sim_events: " + "; ".join(problems))
    return settings


def _webhook_problems(settings):
    problems = []
    settings["platform"] = settings["platform"] or "kore"
    if settings["platform"] == "twilio" and not settings["secret"]:
        settings["secret"] = settings["auth_token"]
    if settings["port"] is not None and settings["port"] > 65535:
        problems.append("port must be between 0 and 65535, got %r" % settings["port"])
    url = settings["callback_url"]
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append("callback_url must be an http or https URL, got %r" % url)
        elif "@" in parts.netloc:
            problems.append("callback_url must not carry credentials")
    if settings["verify"]:
        if not settings["secret"]:
            problems.append("secret is required unless verify is false: set the %s (option secret or the SIM_EVENTS_SECRET "
                            "environment variable)" % ("signing secret of the KORE account" if settings["platform"] == "kore"
                                                       else "Auth Token of the Twilio account"))
    if settings["keyfile"] and not settings["certfile"]:
        problems.append("keyfile needs certfile")
    return problems


def collection_utils():
    """The collection's client and endpoint modules (poll mode only, so that webhook mode needs no requests).

    ansible-rulebook runs a source as a file, without Ansible's collection loader: when ansible_collections is not
    importable, the directory holding this collection's ansible_collections/ tree is appended to sys.path.
    """
    try:
        from ansible_collections.simfleet.twilio.plugins.module_utils import _client, _endpoints
    except ImportError:
        tree = os.path.abspath(__file__)
        for dummy in range(7):  # event_source, plugins, eda, extensions, twilio, simfleet, ansible_collections
            tree = os.path.dirname(tree)
        if os.path.basename(tree) != "ansible_collections":
            raise
        sys.path.append(os.path.dirname(tree))
        from ansible_collections.simfleet.twilio.plugins.module_utils import _client, _endpoints
    return _client, _endpoints


def _poll_problems(settings):
    return collection_utils()[0].connection_problems(settings)


# -- signatures -----------------------------------------------------------------------------------------------------


def kore_signature(secret, method, url, body):
    """KORE's `kore-signature`: hex SHA-256 (a plain hash) of secret + METHOD + URL (no query, no fragment) + raw body."""
    parts = urlsplit(url)
    url = "%s://%s%s" % (parts.scheme, parts.netloc, parts.path)
    return hashlib.sha256(secret.encode("utf-8") + method.upper().encode("ascii") + url.encode("utf-8") + body).hexdigest()


def twilio_signature(token, url, params=None):
    """Twilio's `X-Twilio-Signature`: base64 HMAC-SHA1 keyed with the Auth Token of the full URL followed, for form
    posts, by every parameter name and value, sorted by name (and value)."""
    data = url
    for name, value in sorted(params or ()):
        data += name + value
    return base64.b64encode(hmac.new(token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()).decode("ascii")


def _url_forms(url):
    """The URL as given, and with and without its scheme's default port: Twilio's own validator accepts each."""
    parts = urlsplit(url)
    forms = {url}
    default = DEFAULT_PORTS.get(parts.scheme)
    if parts.port is None or parts.port == default:
        host = parts.hostname or ""
        if ":" in host:
            host = "[%s]" % host
        rest = url[len(parts.scheme) + 3 + len(parts.netloc):]
        forms.add("%s://%s%s" % (parts.scheme, host, rest))
        forms.add("%s://%s:%s%s" % (parts.scheme, host, default, rest))
    return forms


class Verifier:
    """Checks the signature of a request against the configured callback URL and secret."""

    def __init__(self, platform, secret, callback_url=None):
        self.platform = platform
        self._secret = secret
        self.base = None  # without a configured URL, the URL of each request as it arrived
        if callback_url:
            parts = urlsplit(callback_url)
            self.base = "%s://%s%s" % (parts.scheme, parts.netloc, parts.path or "/")

    def __repr__(self):
        return "Verifier(%s, %s)" % (self.platform, self.base)

    def check(self, method, raw_query, headers, body, received_url=None):
        """None when the request is authentic, else the reason (never quoting the secret). `received_url` (without
        query string) is signed when no callback URL is configured."""
        base = self.base or received_url
        if self.platform == "kore":
            given = headers.get(KORE_SIGNATURE, "").strip().lower()
            if not given:
                return "missing %s header" % KORE_SIGNATURE
            expected = kore_signature(self._secret, method, base, body)
            return None if hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")) else "wrong signature"
        given = headers.get(TWILIO_SIGNATURE, "").strip()
        if not given:
            return "missing %s header" % TWILIO_SIGNATURE
        url = base + ("?" + raw_query if raw_query else "")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        params = ()
        if "bodySHA256" in query:
            body_hash = hashlib.sha256(body).hexdigest()
            if not hmac.compare_digest(query["bodySHA256"].lower().encode("ascii", "replace"), body_hash.encode("ascii")):
                return "body does not match bodySHA256"
        elif headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            params = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        elif body:
            return "a JSON body must be signed with a bodySHA256 query parameter"
        for form in _url_forms(url):
            if hmac.compare_digest(given.encode("ascii", "replace"), twilio_signature(self._secret, form, params).encode("ascii")):
                return None
        return "wrong signature"


# -- events ---------------------------------------------------------------------------------------------------------


def kind_of(event_type):
    """The type without its platform prefix: com.twilio.iot.supersim.connection.x -> supersim.connection.x."""
    match = KIND.search(event_type)
    return match.group(1) if match else event_type


def _text(value):
    return value if isinstance(value, str) and value else None


def event_from_cloudevent(cloud):
    """The queued event of one CloudEvent (already checked to be one)."""
    data = cloud.get("data")
    fields = data if isinstance(data, dict) else {}
    return {
        "type": cloud["type"],
        "kind": kind_of(cloud["type"]),
        "id": cloud["id"],
        "time": cloud.get("time"),
        "source": cloud["source"],
        "sim": {"sid": _text(fields.get("sim_sid")), "iccid": _text(fields.get("sim_iccid")),
                "unique_name": _text(fields.get("sim_unique_name")), "fleet_sid": _text(fields.get("fleet_sid"))},
        "data": data,
    }


def cloudevent_problem(element):
    """Why `element` is not a CloudEvent, or None."""
    if not isinstance(element, dict):
        return "not a JSON object"
    missing = [name for name in CLOUDEVENT_REQUIRED if not isinstance(element.get(name), str) or not element.get(name)]
    if missing:
        return "missing or empty CloudEvents attribute%s %s" % ("s" if len(missing) > 1 else "", ", ".join(missing))
    if "time" in element and element["time"] is not None and not isinstance(element["time"], str):
        return "time must be a string"
    return None


class Dedup:
    """Identifiers seen within the last `window` seconds, at most `size` of them, oldest forgotten first."""

    def __init__(self, window, size, clock=time.monotonic):
        self.window, self.size, self.clock = window, size, clock
        self._seen = collections.OrderedDict()

    def __len__(self):
        return len(self._seen)

    def _expire(self, now):
        seen = self._seen
        while seen and (len(seen) > self.size or next(iter(seen.values())) <= now - self.window):
            seen.popitem(last=False)

    def admit(self, key_lists):
        """For each list of keys (one event's identifiers), in order: True when none was seen before (the keys are
        then remembered, so a later copy in the same list is a duplicate), False for a duplicate."""
        now = self.clock()
        self._expire(now)
        seen = self._seen
        admitted = []
        for keys in key_lists:
            if any(key in seen for key in keys):
                admitted.append(False)
                continue
            for key in keys:
                seen[key] = now
            admitted.append(True)
        self._expire(now)
        return admitted


def identifiers(cloud):
    """The event's identifiers: its id, and data.event_sid when it differs (the same event sent through two systems)."""
    data = cloud.get("data")
    event_sid = data.get("event_sid") if isinstance(data, dict) else None
    if isinstance(event_sid, str) and event_sid and event_sid != cloud["id"]:
        return (cloud["id"], event_sid)
    return (cloud["id"],)


# -- webhook mode ---------------------------------------------------------------------------------------------------


class Receiver:
    """The webhook's request handler and its counters."""

    def __init__(self, queue, settings):
        self.queue = queue
        self.verifier = Verifier(settings["platform"], settings["secret"], settings["callback_url"]) if settings["verify"] else None
        self.max_body = settings["max_body_bytes"]
        self.dedup = Dedup(settings["dedup_window"], settings["dedup_max"])
        self.counts = collections.Counter()

    @staticmethod
    def _answer(status, **body):
        return web.json_response(body, status=status)

    async def handle(self, request):
        length = request.content_length
        if length is not None and length > self.max_body:
            self.counts["too_large"] += 1
            return self._answer(413, error="request body over %d bytes" % self.max_body)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self.counts["too_large"] += 1
            return self._answer(413, error="request body over %d bytes" % self.max_body)
        if self.verifier is not None:
            reason = self.verifier.check(request.method, request.rel_url.raw_query_string, request.headers, body,
                                         str(request.url.with_query(None)))
            if reason is not None:
                self.counts["unauthorized"] += 1
                LOGGER.warning("sim_events: refused a request from %s: %s", request.remote, reason)
                return self._answer(401, error="signature check failed: " + reason)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as err:
            self.counts["bad_request"] += 1
            return self._answer(400, error="the body is not JSON: %s" % err)
        elements = payload if isinstance(payload, list) else [payload]
        for index, element in enumerate(elements):
            problem = cloudevent_problem(element)
            if problem:
                self.counts["bad_request"] += 1
                where = "element %d" % index if isinstance(payload, list) else "the body"
                return self._answer(400, error="%s is not a CloudEvent: %s; nothing was queued" % (where, problem))
        # Remembered before queueing: a copy arriving meanwhile (another request) is a duplicate.
        admitted = self.dedup.admit([identifiers(element) for element in elements])
        fresh = [element for element, new in zip(elements, admitted) if new]
        duplicates = len(elements) - len(fresh)
        for element in fresh:
            await self.queue.put(event_from_cloudevent(element))
        self.counts["queued"] += len(fresh)
        self.counts["duplicates"] += duplicates
        return self._answer(200, queued=len(fresh), duplicates=duplicates)


def _ssl_context(settings):
    if not settings["certfile"]:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(settings["certfile"], settings["keyfile"])
    return context


async def start_webhook(queue, settings):
    """Start serving; returns (runner, receiver, bound port)."""
    receiver = Receiver(queue, settings)
    path = urlsplit(settings["callback_url"]).path if settings["callback_url"] else "/"
    app = web.Application(client_max_size=settings["max_body_bytes"])
    app.router.add_route("POST", path or "/", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings["host"], settings["port"], ssl_context=_ssl_context(settings))
    await site.start()
    port = runner.addresses[0][1] if runner.addresses else settings["port"]
    LOGGER.info("sim_events: listening on %s:%s, POST %s (%s signatures)", settings["host"], port, path or "/",
                settings["platform"] if settings["verify"] else "no")
    return runner, receiver, port


async def run_webhook(queue, settings):
    if not settings["verify"]:
        LOGGER.warning("sim_events: verify is false: signatures are NOT checked, anyone who can reach the port can inject "
                       "events; use this for tests only")
    runner = (await start_webhook(queue, settings))[0]
    try:
        await asyncio.Future()
    finally:
        await runner.cleanup()


# -- poll mode ------------------------------------------------------------------------------------------------------


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def poll_event(event_type, source, record=None, data=None):
    record = record or {}
    return {
        "type": event_type,
        "kind": kind_of(event_type),
        "id": str(uuid.uuid4()),
        "time": _now(),
        "source": source,
        "sim": {"sid": _text(record.get("sid")), "iccid": _text(record.get("iccid")),
                "unique_name": _text(record.get("unique_name")), "fleet_sid": _text(record.get("fleet_sid"))},
        "data": data if data is not None else {},
    }


def diff_listings(before, after, source):
    """Events for the changes between two listings ({sid: record})."""
    events = []
    for sid, record in after.items():
        old = before.get(sid)
        if old is None:
            events.append(poll_event(POLL_PREFIX + "sim.added", source, record, {"from": None, "to": record.get("status")}))
        elif old.get("status") != record.get("status"):
            events.append(poll_event(POLL_PREFIX + "sim.status_changed", source, record,
                                     {"from": old.get("status"), "to": record.get("status")}))
    for sid, record in before.items():
        if sid not in after:
            events.append(poll_event(POLL_PREFIX + "sim.removed", source, record, {"from": record.get("status"), "to": None}))
    return events


class Poller:
    """Lists the SIMs with the collection's client and turns the differences into events."""

    def __init__(self, queue, settings, client=None):
        client_utils, endpoint_utils = collection_utils()
        self.queue = queue
        self.settings = settings
        self.client = client or client_utils.client_from_options(settings)
        self.endpoint = endpoint_utils.ENDPOINTS[POLL_ENDPOINTS[settings["product"]]]
        self.source = self.client.url(self.endpoint.product, self.endpoint.path)
        self.listing = None
        self.failures = 0

    def list_sims(self):
        return dict((record.get("sid"), record) for record in self.client.list_records(self.endpoint, page_size=1000))

    async def poll_once(self):
        """One listing; returns the seconds to wait before the next one."""
        interval = self.settings["interval"]
        try:
            listing = await asyncio.get_running_loop().run_in_executor(None, self.list_sims)
        except Exception as err:
            # Any failure (the client's TwilioError, or a defect) is one event; the source goes on.
            self.failures += 1
            wait = min(interval * 2 ** self.failures, interval * MAX_BACKOFF_INTERVALS)
            error = err.to_dict() if hasattr(err, "to_dict") else {"message": "%s: %s" % (type(err).__name__, err)}
            error.update(consecutive_failures=self.failures, retry_in=wait)
            LOGGER.warning("sim_events: listing %s failed (%d in a row), next try in %.0f s: %s", self.source, self.failures,
                           wait, error.get("message"))
            await self.queue.put(poll_event(POLL_PREFIX + "source.error", self.source, data=error))
            return wait
        self.failures = 0
        if self.listing is None:
            events = diff_listings({}, listing, self.source) if self.settings["emit_initial"] else []
        else:
            events = diff_listings(self.listing, listing, self.source)
        self.listing = listing
        for event in events:
            await self.queue.put(event)
        return interval

    async def run(self):
        LOGGER.info("sim_events: polling %s every %s s", self.source, self.settings["interval"])
        try:
            while True:
                await asyncio.sleep(await self.poll_once())
        finally:
            self.client.close()


# -- entry point ----------------------------------------------------------------------------------------------------


async def main(queue, args):
    """ansible-rulebook's entry point: serve (webhook mode) or poll until cancelled."""
    settings = parse_args(args)
    if settings["mode"] == "poll":
        await Poller(queue, settings).run()
    else:
        await run_webhook(queue, settings)


if __name__ == "__main__":
    class MockQueue(asyncio.Queue):
        """Prints the events instead of queueing them."""

        async def put(self, item):
            print(json.dumps(item))

    asyncio.run(main(MockQueue(), {"port": 5000, "verify": False}))
