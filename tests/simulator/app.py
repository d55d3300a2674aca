"""The WSGI application: Twilio's Wireless and Super SIM read APIs, admin endpoints, faults and stats.

API paths (`/wireless/v1/...`, `/supersim/v1/...`) need HTTP basic auth and go through fault injection;
admin paths (`/_sim/...`) need no auth and are never faulted or counted.
"""
import hmac
import json
import socket
import time
import uuid
from urllib.parse import urlencode

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .faults import FAULT_429, FAULT_5XX, FAULT_DROP, FAULT_TRUNCATE
from .resources import BY_NAME, IP_ADDRESS_KEY, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, RESOURCES
from .store import MiniTable, Page, locate

PAGING_PARAMS = ("PageSize", "Page", "PageToken")
STATUS_MESSAGES = {500: (20500, "Internal Server Error"), 502: (20502, "Bad Gateway"), 503: (20503, "Service Unavailable"),
                   504: (20504, "Gateway Timeout")}


class ApiError(Exception):
    """An error answered with Twilio's error body."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self):
        return error_response(self.status, self.code, self.message, self.headers)


def error_response(status, code, message, headers=None):
    """Twilio's error body: code, message, more_info, status."""
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    return json_response(json.dumps(body), status, headers)


def json_response(text, status=200, headers=None):
    response = Response(text, status=status, content_type="application/json")
    response.headers["Twilio-Request-Id"] = f"RQ{uuid.uuid4().hex}"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Credentials:
    """Basic-auth users: Account SIDs with their Auth Tokens, API keys with their secrets and accounts."""

    def __init__(self):
        self._users = {}

    def add_account(self, account_sid, auth_token):
        self._users[account_sid] = (auth_token, account_sid)

    def add_api_key(self, key_sid, secret, account_sid):
        self._users[key_sid] = (secret, account_sid)

    def account_for(self, username, password):
        """The account the credentials belong to, or None."""
        secret, account_sid = self._users.get(username or "", (None, None))
        if secret is None or not hmac.compare_digest(str(secret).encode(), str(password or "").encode()):
            return None
        return account_sid


def build_url_map():
    """Routes from the resource table: a list and a fetch rule per resource, plus IpAddresses."""
    rules = []
    for resource in RESOURCES:
        prefix = f"/{resource.product}/v1/{resource.path}"
        rules.append(Rule(prefix, endpoint=f"list:{resource.name}", methods=["GET"]))
        rules.append(Rule(f"{prefix}/<ident>", endpoint=f"fetch:{resource.name}", methods=["GET"]))
    rules.append(Rule("/supersim/v1/Sims/<ident>/IpAddresses", endpoint="ip_addresses:supersim_sims", methods=["GET"]))
    return Map(rules, strict_slashes=False)


def route_name(rule):
    """A route template for the stats, e.g. GET /wireless/v1/Sims/{Sid}."""
    return rule.rule.replace("<ident>", "{Sid}")


class SimulatorApp:
    """The WSGI callable. `store` is set once the server knows its base URL."""

    def __init__(self, credentials, faults, stats, info=None):
        self.credentials = credentials
        self.faults = faults
        self.stats = stats
        self.info = info or {}
        self.store = None
        self.url_map = build_url_map()
        self.admin = {
            ("GET", "/_sim/health"): lambda request: {"ok": True},
            ("GET", "/_sim/info"): lambda request: self.info,
            ("GET", "/_sim/stats"): lambda request: self.stats.snapshot(log=request.args.get("log") in ("1", "true")),
            ("POST", "/_sim/reset-stats"): self._reset_stats,
            ("GET", "/_sim/faults"): lambda request: self.faults.settings(),
            ("POST", "/_sim/faults"): self._set_faults,
        }

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
            return json_response(self.store.truth_json(account))
        handler = self.admin.get((request.method, request.path))
        if handler is None:
            return error_response(404, 20404, f"The requested resource {request.path} was not found")
        try:
            return json_response(json.dumps(handler(request)))
        except ValueError as err:
            return error_response(400, 20001, str(err))

    def _reset_stats(self, request):
        self.stats.reset()
        return {"ok": True}

    def _set_faults(self, request):
        settings = request.get_json(force=True, silent=True)
        if not isinstance(settings, dict):
            raise ValueError("POST /_sim/faults needs a JSON object body")
        return self.faults.update(**settings)

    # API endpoints

    def api_response(self, request):
        """Route, apply faults and auth, answer, count; drop the connection when that fault is drawn."""
        endpoint, args, route = self._route(request)
        entry = {
            "method": request.method, "path": request.path, "route": f"{request.method} {route}",
            "query": urlencode(sorted((k, v) for k, v in request.args.items(multi=True) if k not in PAGING_PARAMS)),
            "status": None, "fault": None,
        }
        if not self.faults.enter():
            entry["fault"] = "concurrency"
            response = self._too_many(concurrency=True)
            in_flight = self.faults.in_flight
        else:
            try:
                response = self._answer(request, endpoint, args, entry)
                in_flight = self.faults.in_flight
            finally:
                self.faults.leave()
        entry["status"] = "dropped" if response is None else response.status_code
        self.stats.record(entry, in_flight)
        if response is None:
            drop_connection(request.environ)
        return response

    def _route(self, request):
        """(endpoint name or the routing error, path arguments, route template for the stats)."""
        try:
            rule, args = self.url_map.bind_to_environ(request.environ).match(return_rule=True)
            return rule.endpoint, args, route_name(rule)
        except (NotFound, MethodNotAllowed) as err:
            return err, {}, "unmatched"

    def _too_many(self, concurrency=False):
        headers = {"Retry-After": self.faults.retry_after}
        if concurrency:
            headers["Twilio-Concurrent-Requests"] = str(self.faults.in_flight)
        return error_response(429, 20429, "Too Many Requests", headers)

    def _answer(self, request, endpoint, args, entry):
        """The response for an admitted request, or None to drop the connection."""
        if self.faults.latency:
            time.sleep(self.faults.latency)
        fault, status_5xx = self.faults.draw()
        entry["fault"] = fault
        if fault == FAULT_DROP:
            return None
        if fault == FAULT_429:
            return self._too_many()
        if fault == FAULT_5XX:
            return error_response(status_5xx, *STATUS_MESSAGES.get(status_5xx, (20500, "Internal Server Error")))
        response = self._dispatch(request, endpoint, args)
        if fault == FAULT_TRUNCATE:
            body = response.get_data()
            response.set_data(body[: len(body) // 2])
        return response

    def _dispatch(self, request, endpoint, args):
        try:
            account = self._authenticate(request)
            if isinstance(endpoint, MethodNotAllowed):
                raise ApiError(405, 20004, "Method not allowed")
            if isinstance(endpoint, NotFound):
                raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
            kind, name = endpoint.split(":", 1)
            tables = self.store.tables(account)
            handler = {"list": self._list, "fetch": self._fetch, "ip_addresses": self._ip_addresses}[kind]
            return handler(request, BY_NAME[name], tables, args.get("ident"))
        except ApiError as err:
            return err.response()

    def _authenticate(self, request):
        auth = request.authorization
        account = None
        if auth is not None and auth.type == "basic":
            account = self.credentials.account_for(auth.username, auth.password)
        if account is None:
            raise ApiError(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        return account

    def _fetch(self, request, resource, tables, ident):
        table = tables[resource.name]
        position = table.find(ident)
        if position is None:
            raise not_found(request)
        return json_response(table.json_of(position))

    def _list(self, request, resource, tables, ident):
        table = tables[resource.name]
        criteria, filter_params = parse_filters(resource, request.args, tables)
        selection = [] if criteria is None else table.select(criteria)
        return self._page(request, table, selection, resource.key, resource.collection_url(self.store.base_url),
                          filter_params)

    def _ip_addresses(self, request, resource, tables, ident):
        sims = tables["supersim_sims"]
        position = sims.find(ident)
        if position is None:
            raise not_found(request)
        sim_sid = sims.sids[position]
        table = MiniTable(sims.hidden.get(sim_sid, {}).get("ip_addresses", []))
        url = f"{resource.collection_url(self.store.base_url)}/{sim_sid}/IpAddresses"
        return self._page(request, table, table.select(()), IP_ADDRESS_KEY, url, [])

    def _page(self, request, table, selection, key, url, filter_params):
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
        return json_response(page.body(key, meta))


def not_found(request):
    product_path = "/" + request.path.lstrip("/").partition("/")[2]
    return ApiError(404, 20404, f"The requested resource {product_path} was not found")


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
