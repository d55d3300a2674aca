"""The WSGI application: Twilio's Wireless and Super SIM APIs (reads, and the writes of writes.py), admin
endpoints, faults and stats.

API paths (`/wireless/v1/...`, `/supersim/v1/...`; `/programmable-wireless/v1/...` on KORE) need HTTP basic
auth or a KORE bearer token, as the platform says (kore.py), and go through fault injection and the
concurrency limit and the rate limit, writes included; admin paths (`/_sim/...`) need no auth and are never faulted or counted.
"""
import functools
import hmac
import json
import re
import socket
import time
from collections import namedtuple
from urllib.parse import urlencode

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from .errors import ApiError, error_response, json_response  # noqa: F401  (re-exported)
from .faults import AFTER_APPLY_FAULTS, FAULT_429, FAULT_5XX, FAULT_5XX_AFTER_APPLY, FAULT_DROP, FAULT_TRUNCATE, seconds_header
from .kore import INVALID_TOKEN_MESSAGE, TWILIO_DOCS, Kore
from .listings import Listings
from .resources import ALL_RESOURCES, BY_NAME, DERIVED, IP_ADDRESS_KEY, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from .stats import WRITE_METHODS
from .store import MiniTable, Page, locate, members

PAGING_PARAMS = ("PageSize", "Page", "PageToken")
# The Twilio error of each status a fault can answer with (401: the credentials were refused, as Twilio says it).
STATUS_MESSAGES = {401: (20003, "Authenticate"), 500: (20500, "Internal Server Error"), 502: (20502, "Bad Gateway"),
                   503: (20503, "Service Unavailable"), 504: (20504, "Gateway Timeout")}
# Form parameters whose values the write log never records.
SECRET_PARAM = re.compile(r"secret|token|password", re.IGNORECASE)
REDACTED = "[redacted]"


class Credentials:
    """Basic-auth users: Account SIDs with their Auth Tokens, API keys with their secrets and accounts."""

    def __init__(self):
        self._users = {}

    def add_account(self, account_sid, auth_token):
        self._users[account_sid] = (auth_token, account_sid)

    def add_api_key(self, key_sid, secret, account_sid):
        self._users[key_sid] = (secret, account_sid)

    def secrets(self):
        return frozenset(str(secret) for secret, account_sid in self._users.values())

    def account_for(self, username, password):
        """The account the credentials belong to, or None."""
        secret, account_sid = self._users.get(username or "", (None, None))
        if secret is None or not hmac.compare_digest(str(secret).encode(), str(password or "").encode()):
            return None
        return account_sid


# Who is calling: the Authorization scheme ("none", "basic", "bearer" or another, lower case), the basic
# username or bearer token, the basic password, and the more_info base URL of errors answered to them.
Caller = namedtuple("Caller", "scheme credential password docs")

TWILIO_PREFIXES = {"wireless": ("wireless",), "supersim": ("supersim",)}


def caller_of(request, platform=None):
    auth = request.authorization
    if auth is None:
        scheme = "other" if request.headers.get("Authorization") else "none"
        credential = password = None
    elif auth.type == "basic":
        scheme, credential, password = "basic", auth.username, auth.password
    else:
        scheme, credential, password = auth.type, auth.token, None
    return Caller(scheme, credential, password, platform.docs_for(scheme) if platform else TWILIO_DOCS)


def build_url_map(prefixes=None):
    """Routes from the resource table, per resource and path prefix of its product (`prefixes`: {product:
    (prefixes)}, Twilio's by default): list and fetch, and the writes it accepts (create: POST on the list,
    update: POST on a record, delete: DELETE on a record; list only for a resource that is not `fetchable`);
    plus IpAddresses and the listings derived from usage (`DERIVED`)."""
    prefixes = prefixes or TWILIO_PREFIXES
    rules = []
    for resource in ALL_RESOURCES:
        writes = dict(resource.writes())
        for product in prefixes[resource.product]:
            prefix = f"/{product}/v1/{resource.path.format(parent='<parent>')}"
            endpoints = ((prefix, "list", "GET"), (f"{prefix}/<ident>", "fetch", "GET"), (prefix, "create", "POST"),
                         (f"{prefix}/<ident>", "update", "POST"), (f"{prefix}/<ident>", "delete", "DELETE"))
            rules += [Rule(path, endpoint=f"{kind}:{resource.name}", methods=[method])
                      for path, kind, method in endpoints
                      if kind == "list" or (kind == "fetch" and resource.fetchable) or kind in writes]
    for product in prefixes["supersim"]:
        rules.append(Rule(f"/{product}/v1/Sims/<ident>/IpAddresses", endpoint="ip_addresses:supersim_sims",
                          methods=["GET"]))
    for derived in DERIVED:
        rules += [Rule(f"/{product}/v1/{derived.path}", endpoint=f"{derived.endpoint}:{derived.resource}",
                       methods=["GET"]) for product in prefixes[derived.product]]
    return Map(rules, strict_slashes=False)


def route_name(rule):
    """A route template for the stats, e.g. GET /wireless/v1/Sims/{Sid}, or for a sub-resource
    /supersim/v1/NetworkAccessProfiles/{NetworkAccessProfileSid}/Networks."""
    route = rule.rule.replace("<ident>", "{Sid}")
    parent = BY_NAME[rule.endpoint.split(":", 1)[1]].parent
    return route.replace("<parent>", f"{{{parent.key}}}") if parent else route


# A request being answered: the resource, the account's tables, the path arguments (`ident`, `parent`), the
# account, and the stats entry (where a write reports what it did).
Call = namedtuple("Call", "request resource tables args account entry")


class SimulatorApp:
    """The WSGI callable. `store` is set once the server knows its base URL; `kore` holds the platform, API
    clients and tokens; `requests` (a RequestLog) records who sent which credential."""

    def __init__(self, credentials, faults, stats, info=None, kore=None, requests=None):
        self.credentials = credentials
        self.faults = faults
        self.stats = stats
        self.info = info or {}
        self.kore = kore or Kore()
        self.platform = self.kore.platform
        self.requests = requests
        self.store = None
        self.writer = None
        self._listings = None
        self.url_map = build_url_map(self.platform.prefixes)
        self.admin = {
            ("GET", "/_sim/health"): lambda request: {"ok": True},
            ("GET", "/_sim/info"): lambda request: self.info,
            ("GET", "/_sim/stats"): lambda request: self.stats.snapshot(log=flag(request, "log")),
            ("POST", "/_sim/reset-stats"): self.reset_stats,
            ("GET", "/_sim/faults"): lambda request: self.faults.settings(),
            ("POST", "/_sim/faults"): lambda request: self.faults.update(**json_object(request)),
            ("GET", "/_sim/requests"): self._requests,
            ("GET", "/_sim/kore"): lambda request: self.kore.settings(),
            ("POST", "/_sim/kore"): lambda request: self.kore.update(**json_object(request)),
            ("POST", "/_sim/kore/revoke"): lambda request: self.kore.revoke(**json_object(request, empty_ok=True)),
            ("GET", "/_sim/kore/faults"): lambda request: self.kore.faults.settings(),
            ("POST", "/_sim/kore/faults"): lambda request: self.kore.faults.update(**json_object(request)),
            ("GET", "/_sim/kore/stats"): lambda request: self.kore.stats.snapshot(),
            ("GET", "/_sim/writes"): lambda request: self.stats.writes.snapshot(log=request.args.get("log") != "0"),
            ("POST", "/_sim/writes/reset"): self.reset_writes,
            ("GET", "/_sim/write-settings"): lambda request: self.writer.settings(),
            ("POST", "/_sim/write-settings"): lambda request: self.writer.update_settings(**json_object(request)),
            ("GET", "/_sim/pending"): lambda request: {"pending": self.writer.pending()},
            ("POST", "/_sim/settle"): lambda request: {"settled": self.writer.settle()},
            ("GET", "/_sim/unregistered-sims"): lambda request: self.store.unregistered_sims(),
            ("GET", "/_sim/version"): lambda request: {"version": self.store.version},
        }
        # (method, path pattern, handler(request, **groups))
        self.admin_patterns = (
            ("POST", re.compile(r"/_sim/kore/clients/(?P<client_id>[^/]+)/(?P<action>enable|disable)"),
             lambda request, client_id, action: self.kore.clients.set_enabled(client_id, action == "enable")),
        )

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith("/_sim/"):
            response = self.admin_response(request)
        else:
            response = self.api_response(request)
        return response(environ, start_response)

    # Admin endpoints

    def admin_response(self, request):
        if request.method == "GET" and request.path == "/_sim/truth":
            account = request.args.get("account") or self.info.get("account_sid")
            return json_response(self.store.truth_json(account, kore_prefix(flag(request, "kore"))))
        handler = self._admin_handler(request)
        if handler is None:
            return error_response(404, 20404, f"The requested resource {request.path} was not found")
        try:
            return json_response(json.dumps(handler(request)))
        except KeyError as err:
            return error_response(404, 20404, str(err.args[0]))
        except (TypeError, ValueError) as err:
            return error_response(400, 20001, str(err))

    def _admin_handler(self, request):
        handler = self.admin.get((request.method, request.path))
        if handler is not None:
            return handler
        for method, pattern, handler in self.admin_patterns:
            match = pattern.fullmatch(request.path)
            if match and request.method == method:
                return functools.partial(handler, **match.groupdict())
        return None

    def reset_stats(self, request=None):
        """Zero the API counters and log, the token counters and the request log."""
        self.stats.reset()
        self.kore.stats.reset()
        if self.requests is not None:
            self.requests.reset()
        return {"ok": True}

    def reset_writes(self, request=None):
        """Zero the write counters and the write log."""
        self.stats.writes.reset()
        return {"ok": True}

    def _requests(self, request):
        if self.requests is None:
            return {"counts": {}, "log": []}
        return self.requests.snapshot(request.args.get("listener") or None, log=request.args.get("log") != "0")

    # API endpoints

    def api_response(self, request):
        """Route, apply faults and auth, answer, count; drop the connection when that fault is drawn."""
        caller = caller_of(request, self.platform)
        endpoint, args, route = self._route(request)
        entry = {
            "method": request.method, "path": request.path, "route": f"{request.method} {route}",
            "query": urlencode(sorted((k, v) for k, v in request.args.items(multi=True) if k not in PAGING_PARAMS)),
            "status": None, "fault": None,
        }
        if request.method in WRITE_METHODS:
            entry["write"] = {"params": self._loggable_form(request)}
        wait = self.faults.take_token()
        if wait is not None:
            entry["fault"] = "rate_limit"
            response = self._too_many(caller, retry_after=wait)
            in_flight = self.faults.in_flight
        elif not self.faults.enter():
            entry["fault"] = "concurrency"
            response = self._too_many(caller, concurrency=True)
            in_flight = self.faults.in_flight
        else:
            try:
                response = self._answer(request, endpoint, args, entry, caller)
                in_flight = self.faults.in_flight
            finally:
                self.faults.leave()
        entry["status"] = "dropped" if response is None else response.status_code
        self.stats.record(entry, in_flight)
        if self.requests is not None:
            self.requests.record(credential_entry("api", request, caller, entry["status"], self.kore))
        if response is None:
            drop_connection(request.environ)
        return response

    def _loggable_form(self, request):
        """The form parameters of a write for the write log: lists for repeated ones, secrets redacted."""
        secrets = self.credentials.secrets() | self.kore.secret_values()
        request.get_data(cache=True)  # keep the raw body: the request log looks for secrets in it too
        params = {}
        for name in request.form:
            values = [REDACTED if SECRET_PARAM.search(name) or value in secrets else value
                      for value in request.form.getlist(name)]
            params[name] = values if len(values) > 1 else values[0]
        return params

    def _route(self, request):
        """(endpoint name or the routing error, path arguments, route template for the stats)."""
        try:
            rule, args = self.url_map.bind_to_environ(request.environ).match(return_rule=True)
            return rule.endpoint, args, route_name(rule)
        except (NotFound, MethodNotAllowed) as err:
            return err, {}, "unmatched"

    def _too_many(self, caller, concurrency=False, retry_after=None):
        """429 (20429): `retry_after` seconds (the rate limit's next token) or the `retry_after` setting."""
        headers = {"Retry-After": self.faults.retry_after if retry_after is None else seconds_header(retry_after)}
        if concurrency:
            headers["Twilio-Concurrent-Requests"] = str(self.faults.in_flight)
        return error_response(429, 20429, "Too Many Requests", headers, caller.docs)

    def _answer(self, request, endpoint, args, entry, caller):
        """The response for an admitted request, or None to drop the connection."""
        if self.faults.latency:
            time.sleep(self.faults.latency)
        fault, status_5xx = self.faults.draw()
        entry["fault"] = fault
        if fault == FAULT_DROP:
            return None
        if fault == FAULT_429:
            return self._too_many(caller)
        if fault == FAULT_5XX:
            code, message = STATUS_MESSAGES.get(status_5xx, (20500, "Internal Server Error"))
            return error_response(status_5xx, code, message, None, caller.docs)
        if fault in AFTER_APPLY_FAULTS and request.method not in WRITE_METHODS:
            fault = entry["fault"] = None  # nothing to apply: a read answers normally
        response = self._dispatch(request, endpoint, args, caller, entry)
        if fault == FAULT_5XX_AFTER_APPLY:
            code, message = STATUS_MESSAGES.get(status_5xx, (20500, "Internal Server Error"))
            return error_response(status_5xx, code, message, None, caller.docs)
        if fault in AFTER_APPLY_FAULTS:
            return None
        if fault == FAULT_TRUNCATE:
            body = response.get_data()
            response.set_data(body[: len(body) // 2])
        return response

    def _dispatch(self, request, endpoint, args, caller, entry):
        try:
            account = self._authenticate(caller)
            if isinstance(endpoint, MethodNotAllowed):
                raise ApiError(405, 20004, "Method not allowed")
            if isinstance(endpoint, NotFound):
                raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
            kind, name = endpoint.split(":", 1)
            call = Call(request, BY_NAME[name], self.store.tables(account), args, account, entry)
            handler = {"list": self._list, "fetch": self._fetch, "ip_addresses": self._ip_addresses,
                       "create": self._create, "update": self._update, "delete": self._delete,
                       "account_usage": self._account_usage, "sim_usage": self._sim_usage,
                       "data_sessions": self._data_sessions, "supersim_usage": self._supersim_usage,
                       "billing_periods": self._billing_periods}[kind]
            return handler(call)
        except ApiError as err:
            return err.response(caller.docs)

    def _authenticate(self, caller):
        """The caller's account, by the schemes the platform accepts; else 401 (20003)."""
        schemes = self.platform.schemes
        if caller.scheme == "basic" and "basic" in schemes:
            account = self.credentials.account_for(caller.credential, caller.password)
            if account is not None:
                return account
        elif caller.scheme == "bearer" and "bearer" in schemes:
            account = self.kore.account_for_token(caller.credential)
            if account is not None:
                return account
            raise ApiError(401, 20003, INVALID_TOKEN_MESSAGE, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        raise ApiError(401, 20003, self.platform.missing_message, {"WWW-Authenticate": self.platform.challenge})

    def _urls(self, request, resource, parent=None):
        """(collection URL under the request's path prefix (`parent`: the parent SID of a sub-resource),
        (old, new) rewrite of the records' URLs or None).

        Records are serialised once with their product's own prefix (`/wireless/...`); a request on an alias
        prefix (`/programmable-wireless/...`) gets every URL in them rewritten to its prefix."""
        prefix = request.path.split("/", 2)[1]
        base = self.store.base_url
        url = f"{base}/{prefix}/v1/{resource.path.format(parent=parent)}"
        if prefix == resource.product:
            return url, None
        return url, (f"{base}/{resource.product}/", f"{base}/{prefix}/")

    def _fetch(self, call):
        if call.resource.parent:
            return self._fetch_member(call)
        table = call.tables[call.resource.name]
        position = table.find(call.args["ident"])
        if position is None:
            raise not_found(call.request)
        return json_response(table.json_getter(self._urls(call.request, call.resource)[1])(position))

    def _list(self, call):
        if call.resource.parent:
            return self._list_members(call)
        request, resource, tables = call.request, call.resource, call.tables
        table = tables[resource.name]
        criteria, filter_params = parse_filters(resource, request.args, tables)
        selection = [] if criteria is None else table.select(criteria)
        url, rewrite = self._urls(request, resource)
        return self._page(request, table, selection, resource.key, url, filter_params, table.json_getter(rewrite))

    def _ip_addresses(self, call):
        sims = call.tables["supersim_sims"]
        position = sims.find(call.args["ident"])
        if position is None:
            raise not_found(call.request)
        sim_sid = sims.sids[position]
        table = MiniTable(sims.hidden.get(sim_sid, {}).get("ip_addresses", []))
        url = f"{self._urls(call.request, call.resource)[0]}/{sim_sid}/IpAddresses"
        return self._page(call.request, table, table.select(()), IP_ADDRESS_KEY, url, [])

    # Listings derived from usage profiles (listings.py)

    @property
    def listings(self):
        if self._listings is None or self._listings.store is not self.store:
            self._listings = Listings(self.store)
        return self._listings

    def _derived_url(self, request, path):
        """A derived listing's URL under the request's path prefix."""
        return f"{self.store.base_url}/{request.path.split('/', 2)[1]}/v1/{path}"

    def _sim_of(self, call):
        """The SIM record named in the path (SID or unique name), or 404."""
        record = call.tables[call.resource.name].record(call.args["ident"])
        if record is None:
            raise not_found(call.request)
        return record

    def _account_usage(self, call):
        listing, params = self.listings.wireless_usage(call.request.args, call.tables, call.account)
        url = self._derived_url(call.request, "UsageRecords")
        return self._page(call.request, listing, listing.select(()), "usage_records", url, params)

    def _sim_usage(self, call):
        sim = self._sim_of(call)
        listing, params = self.listings.wireless_usage(call.request.args, call.tables, call.account, sim)
        url = self._derived_url(call.request, f"Sims/{sim['sid']}/UsageRecords")
        return self._page(call.request, listing, listing.select(()), "usage_records", url, params)

    def _supersim_usage(self, call):
        listing, params = self.listings.supersim_usage(call.request.args, call.tables, call.account)
        url = self._derived_url(call.request, "UsageRecords")
        return self._page(call.request, listing, listing.select(()), "usage_records", url, params)

    def _data_sessions(self, call):
        sim = self._sim_of(call)
        table = self.listings.data_sessions(call.tables, sim)
        url = self._derived_url(call.request, f"Sims/{sim['sid']}/DataSessions")
        return self._page(call.request, table, table.select(()), "data_sessions", url, [])

    def _billing_periods(self, call):
        sim = self._sim_of(call)
        table = self.listings.billing_periods(call.tables, sim)
        url = self._derived_url(call.request, f"Sims/{sim['sid']}/BillingPeriods")
        return self._page(call.request, table, table.select(()), "billing_periods", url, [])

    # Sub-resources: members of a parent record (a Network Access Profile's networks)

    def _members(self, call):
        """The parent record and a MiniTable of its members, or 404."""
        parent = call.tables[call.resource.parent.resource].record(call.args["parent"])
        if parent is None:
            raise not_found(call.request)
        records = members(call.resource, parent, call.tables)
        return parent, MiniTable(records, call.resource.fields, [record["sid"] for record in records])

    def _list_members(self, call):
        parent, table = self._members(call)
        url = self._urls(call.request, call.resource, parent["sid"])[0]
        return self._page(call.request, table, table.select(()), call.resource.key, url, [])

    def _fetch_member(self, call):
        parent, table = self._members(call)
        position = table.position.get(call.args["ident"])
        if position is None:
            raise not_found(call.request)
        return json_response(table.json_of(position))

    # Writes (writes.py does the work; here: the answer, its URLs, and what the stats learn)

    def _create(self, call):
        return self._written(call, "create", self.writer.create(
            call.account, call.resource, call.request.form, product_path(call.request), call.args.get("parent")))

    def _update(self, call):
        return self._written(call, "update", self.writer.update(
            call.account, call.resource, call.args["ident"], call.request.form, product_path(call.request)))

    def _delete(self, call):
        return self._written(call, "delete", self.writer.delete(
            call.account, call.resource, call.args["ident"], product_path(call.request), call.args.get("parent")))

    def _written(self, call, operation, result):
        call.entry["write"].update(resource=call.resource.name, operation=operation, sid=result.sid,
                                   changed=result.changed, applied=result.applied)
        body = result.body
        rewrite = self._urls(call.request, call.resource)[1]
        if body is not None and rewrite:
            body = body.replace(*rewrite)
        return json_response(body, result.status)

    def _page(self, request, table, selection, key, url, filter_params, json_of=None):
        page_size, number, token = parse_paging(request.args)
        start = locate(table, selection, token, page_size)
        if start is None:
            raise ApiError(400, 20001, f"Invalid PageToken: {token}")
        page = Page(table, selection, start, page_size)
        meta = {
            "first_page_url": page_url(url, filter_params, page_size, 0),
            "key": key,
            "next_page_url": page_url(url, filter_params, page_size, number + 1, f"PA{page.last_sid}") if page.has_next else None,
            "page": number,
            "page_size": page_size,
            "previous_page_url": (page_url(url, filter_params, page_size, number - 1, f"PB{page.first_sid}")
                                  if page.has_previous and number > 0 and page.first_sid else None),
            "url": page_url(url, filter_params, page_size, number, token),
        }
        return json_response(page.body(key, meta, json_of))


def flag(request, name):
    return request.args.get(name) in ("1", "true")


def kore_prefix(kore):
    """The wireless prefix of the truth's URLs: KORE's alias or the product's own."""
    return "programmable-wireless" if kore else None


def json_object(request, empty_ok=False):
    """The request's JSON object body (an empty body is {} when `empty_ok`)."""
    if empty_ok and not request.get_data():
        return {}
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ValueError(f"{request.method} {request.path} needs a JSON object body")
    return body


def credential_entry(listener, request, caller, status, kore, client_id=None):
    """A RequestLog entry: which credential reached which listener (never a password or secret)."""
    body = request.get_data(cache=True) if request.content_length else b""
    return {"listener": listener, "method": request.method, "path": request.path, "auth": caller.scheme,
            "credential": kore.redact(caller.credential), "client_id": client_id,
            "client_secret": kore.carries_secret(request.query_string, body, caller), "status": status}


def product_path(request):
    """The request's path without its product prefix, as Twilio names it in errors (/v1/Sims/...)."""
    return "/" + request.path.lstrip("/").partition("/")[2]


def not_found(request):
    return ApiError(404, 20404, f"The requested resource {product_path(request)} was not found")


def page_url(url, filter_params, page_size, number, token=None):
    """A page's absolute URL: the filters as given, then PageSize, Page and PageToken."""
    query = list(filter_params) + [("PageSize", page_size), ("Page", number)]
    if token:
        query.append(("PageToken", token))
    return f"{url}?{urlencode(query)}"


def parse_paging(args):
    """(page_size, page, page_token) from the query, with Twilio's errors."""
    page_size = parse_int(args, "PageSize", PAGE_SIZE_DEFAULT)
    if page_size > PAGE_SIZE_MAX:
        raise ApiError(400, 20007, f"Page size is too large. PageSize must be less than or equal to {PAGE_SIZE_MAX}.")
    if page_size < 1:
        raise ApiError(400, 20001, "PageSize must be at least 1.")
    number = parse_int(args, "Page", 0)
    if number < 0:
        raise ApiError(400, 20001, "Page must be a non-negative integer.")
    token = args.get("PageToken") or None
    if number > 0 and token is None:
        raise ApiError(400, 20001, "PageToken is required for paging.")
    return page_size, number, token


def parse_int(args, name, default):
    value = args.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, 20001, f"Invalid value for {name}: {value!r} is not an integer.") from None


def parse_filters(resource, args, tables):
    """([(Filter, value)] or None when a reference names nothing, [(param, raw value)] for page URLs)."""
    criteria, filter_params = [], []
    unresolved = False
    for flt in resource.filters:
        if flt.param not in args:
            continue
        value = args[flt.param]
        filter_params.append((flt.param, value))
        if flt.choices and value not in flt.choices:
            raise ApiError(400, 20001, f"Invalid value for {flt.param}: {value!r}. Allowed values: {', '.join(flt.choices)}.")
        if flt.ref:
            target = tables[flt.ref]
            position = target.find(value)
            if position is None:
                unresolved = True
                continue
            value = target.sids[position]
        criteria.append((flt, value))
    return (None if unresolved else criteria), filter_params


def drop_connection(environ):
    """Close the client's socket without a response; werkzeug treats the raised error as a dropped connection."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("simulated dropped connection")
