# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A mock Twilio server generated from Twilio's OpenAPI description (the vendored files beside this one).

Used by the contract tests only. Every request is checked against the operation the description gives for
its path and method (openapi-core request validation: path, method, parameter types, enumerations, integer
bounds, path-parameter patterns, HTTP basic security), plus what openapi-core lets through: query parameters
the operation does not know, repeated parameters, and the paging protocol (``Page`` only with the
``PageToken`` the previous page handed out). Every answer is generated from the operation's 200 schema,
filled with the description's own example values, and validated against the description (openapi-core
response validation with every documented property required) before it is sent.

The write operations (POST and DELETE) are answered too. Each is checked the same way (openapi-core request
validation, which also covers the form-encoded body: types, enumerations, patterns) and, beyond that: form
parameters the operation's request body does not have, parameters given more than once (but array
parameters), required form parameters that are missing (openapi-core skips an empty body), booleans other
than ``true``/``false``, integers that are not whole numbers, URIs that are not absolute http(s) URLs, a body
of another content type, and a body where the operation takes none. A valid write is answered with the
description's success status (the first 2xx of the operation: 200 or 201 for POST, 204 for DELETE) and, when
it has one, a record generated from that response's schema and the operation's own example, carrying the
values the form set (``UniqueName`` into ``unique_name``, a SID in ``Fleet`` into ``fleet_sid``, ...) where
they fit the record's schema; the answer is validated like a GET answer. A write to a SID ending in
``NOT_FOUND_HEX`` or to ``NOT_FOUND_NAME`` is answered 404. Nothing is stored: a later GET does not see it.

Problems are collected in ``mock.violations``; the generated records in ``mock.datasets`` and
``mock.fetched``, so a test can compare what a client returned with what the mock served; every write
(method, path, form, and what the mock did with it) in ``mock.writes``.

    with OpenAPIMock(account_sid, auth_token) as mock:
        mock.product_url   # "http://127.0.0.1:PORT/{product}"
"""

import base64
import copy
import json
import os
import re
import threading
from urllib.parse import urlencode, urlparse

from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_FILES = {"wireless": "twilio_wireless_v1.json", "supersim": "twilio_supersim_v1.json"}
PAGING_PARAMS = ("PageSize", "Page", "PageToken")
SID_PATTERN = re.compile(r"^\^([A-Z]{2})\[0-9a-fA-F\]\{32\}\$$")
NOT_FOUND_HEX = "0" * 32
NOT_FOUND_NAME = "no-such-record"
LARGE_PAGE_RECORDS = 60
TWILIO_HOST = re.compile(r"https://(wireless|supersim)\.twilio\.com")
WRITE_METHODS = ("POST", "DELETE")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# Query parameters that select records by a field, and the record field they select on. The mock makes every
# generated record match the request's filters, so a client that drops or mangles a filter is caught.
FILTER_FIELDS = {
    "Status": "status", "Direction": "direction", "Iccid": "iccid", "SimIccid": "sim_iccid", "Eid": "eid",
    "EId": "e_id", "SimSid": "sim_sid", "RatePlan": ("rate_plan_sid", "WP"), "Fleet": ("fleet_sid", "HF"),
    "Sim": ("sim_sid", "HS"), "NetworkAccessProfile": ("network_access_profile_sid", "HA"), "Network": "network_sid",
    "IsoCountry": "iso_country",
}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def load_spec(product):
    with open(os.path.join(HERE, SPEC_FILES[product])) as handle:
        return json.load(handle)


def resolve(spec, schema):
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _json_content(operation):
    return operation["responses"]["200"]["content"]["application/json"]


def success_code(operation):
    """The status code of the operation's first success response (200 or 201 for a POST, 204 for a DELETE)."""
    return next(code for code in operation["responses"] if code.startswith("2"))


def form_schema(spec, operation):
    """The schema of the operation's form-encoded request body, or None when it takes no body."""
    content = operation.get("requestBody", {}).get("content", {})
    return resolve(spec, content[FORM_CONTENT_TYPE]["schema"]) if FORM_CONTENT_TYPE in content else None


def snake_case(name):
    """``NetworkAccessProfileSid`` -> ``network_access_profile_sid``: a form or path parameter as a record field."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def form_value(spec, schema, raw):
    """A form value (a string, or a list of them for an array) as the schema's type; ValueError if it is not one."""
    schema = resolve(spec, schema)
    kind = schema.get("type")
    if kind == "array":
        return [form_value(spec, schema.get("items", {}), item) for item in raw]
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError("%r is not a boolean (true or false)" % raw)
        return raw == "true"
    if kind == "integer":
        if not re.fullmatch(r"-?[0-9]+", raw):
            raise ValueError("%r is not an integer" % raw)
        return int(raw)
    if kind == "number":
        return float(raw)
    if schema.get("format") == "uri":
        parsed = urlparse(raw)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("%r is not an absolute http(s) URL" % raw)
    return raw


def fits(spec, schema, value):
    """True when ``value`` can stand in a record property of this schema (type, enumeration, pattern)."""
    schema = resolve(spec, schema)
    if value is None:
        return bool(schema.get("nullable"))
    kind = schema.get("type")
    kinds = {"string": str, "integer": int, "boolean": bool, "number": (int, float), "array": list, "object": dict}
    if kind in kinds and (not isinstance(value, kinds[kind]) or kind != "boolean" and isinstance(value, bool)):
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return False
    if kind == "array":
        return all(fits(spec, schema.get("items", {}), item) for item in value)
    return True


def example_record(spec, path, key=None):
    """The first record of the operation's own examples (list: the non-empty example; fetch: the example)."""
    content = _json_content(spec["paths"][path]["get"])
    for example in content.get("examples", {}).values():
        value = resolve(spec, example).get("value")
        if key is None and isinstance(value, dict):
            return value
        if key is not None and isinstance(value, dict) and value.get(key):
            return value[key][0]
    return {}


def sample_value(spec, schema, example, name, product_url):
    """A value for ``schema``: the description's example when there is one, otherwise built from the schema."""
    schema = resolve(spec, schema)
    if example is not None:
        if schema.get("type") == "number" and isinstance(example, str):
            # the description's usage examples write amounts as strings; its schema says number
            return float(example)
        if isinstance(example, str):
            return TWILIO_HOST.sub(lambda m: product_url.replace("{product}", m.group(1)), example)
        if isinstance(example, dict):
            return dict((k, sample_value(spec, {}, v, k, product_url)) for k, v in example.items())
        return copy.deepcopy(example)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return dict((prop, sample_value(spec, sub, None, prop, product_url))
                    for prop, sub in schema.get("properties", {}).items())
    if kind == "array":
        return [sample_value(spec, schema.get("items", {}), None, name, product_url)] if "items" in schema else []
    if kind == "integer":
        return schema.get("minimum", 0)
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return False
    match = SID_PATTERN.match(schema.get("pattern", ""))
    if match:
        return match.group(1) + "a" * 32
    if schema.get("format") == "date-time":
        return "2015-07-30T20:00:00Z"
    if schema.get("format") == "uri":
        return "https://www.example.com/%s" % name
    return name


class OpenAPIMock:
    """Threaded werkzeug server answering the Wireless and Super SIM v1 operations of the description (GET, POST,
    DELETE)."""

    def __init__(self, account_sid, auth_token, host="127.0.0.1"):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.specs = dict((product, load_spec(product)) for product in SPEC_FILES)
        self.violations = []
        self.requests = []
        self.datasets = {}
        self.fetched = {}
        self.fetch_overrides = {}  # (product, list path) -> fields every record fetched from it carries
        self.page_requests = {}
        self.writes = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.port = None
        self._apps = {}

    # -- life cycle -------------------------------------------------------------------------------

    def start(self):
        self._server = make_server(self.host, 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        for product, spec in self.specs.items():
            spec = copy.deepcopy(spec)
            server = [{"url": "%s/%s" % (self.base_url, product)}]
            spec["servers"] = server
            for item in spec["paths"].values():
                item["servers"] = server
            self._apps[product] = OpenAPI.from_dict(spec, config=Config(response_properties_default_policy="required"))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(10)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def product_url(self):
        return self.base_url + "/{product}"

    # -- what the tests read ----------------------------------------------------------------------

    @staticmethod
    def dataset_key(product, path, filters, page_size):
        return (product, path, tuple(sorted((k, str(v)) for k, v in filters.items())), int(page_size))

    def dataset(self, product, path, filters, page_size):
        """The records the mock generated for a listing with these filters and PageSize (None: never asked)."""
        return self.datasets.get(self.dataset_key(product, path, filters, page_size))

    def list_operations(self):
        """(product, path) of every GET list operation in the description with a ``meta`` paging block."""
        found = []
        for product, spec in self.specs.items():
            for path, item in spec["paths"].items():
                schema = resolve(spec, _json_content(item["get"])["schema"]) if "get" in item else {}
                if "meta" in schema.get("properties", {}):
                    found.append((product, path))
        return found

    # -- the server -------------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)

    def _violation(self, request, text):
        with self._lock:
            self.violations.append("%s %s: %s" % (request.method, request.full_path, text))

    def _answer(self, request):
        entry = {"method": request.method, "path": request.path, "query": list(request.args.items(multi=True)),
                 "user_agent": request.headers.get("User-Agent", "")}
        if request.method in WRITE_METHODS:
            request.get_data()  # cached first: openapi-core reads the raw body after the form was parsed
            entry["form"] = list(request.form.items(multi=True))
        with self._lock:
            self.requests.append(entry)
        product, _slash, rest = request.path.lstrip("/").partition("/")
        if product not in self.specs:
            self._violation(request, "no such product prefix")
            return self._error(404, 20404, "The requested resource %s was not found" % request.path)
        spec = self.specs[product]
        template, path_params = self._match(spec, "/" + rest)
        if template is None or request.method.lower() not in spec["paths"][template]:
            self._violation(request, "no such operation in Twilio's description")
            return self._error(404, 20404, "The requested resource %s was not found" % request.path)
        operation = spec["paths"][template][request.method.lower()]
        if request.method in WRITE_METHODS:
            return self._write(request, product, spec, template, path_params, operation, entry)

        oa_request = WerkzeugOpenAPIRequest(request)
        problems = ["openapi-core: %s" % error for error in self._apps[product].iter_request_errors(oa_request)]
        known = set(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
        for name in set(request.args):
            if name not in known:
                problems.append("query parameter %s is not a parameter of %s" % (name, operation["operationId"]))
            if len(request.args.getlist(name)) > 1:
                problems.append("query parameter %s given %d times" % (name, len(request.args.getlist(name))))
        if problems:
            for problem in problems:
                self._violation(request, problem)
            return self._error(400, 20001, "; ".join(problems))
        if request.authorization is None or (request.authorization.username, request.authorization.password) != (
                self.account_sid, self.auth_token):
            return self._error(401, 20003, "Authenticate")

        schema = resolve(spec, _json_content(operation)["schema"])
        if "meta" in schema.get("properties", {}):
            response = self._list(request, product, spec, template, schema)
        else:
            response = self._fetch(request, product, spec, template, path_params)
        if response.status_code == 200:
            for error in self.response_errors(product, request, response):
                self._violation(request, "generated response does not validate: %s" % error)
        return response

    def response_errors(self, product, request, response):
        """openapi-core's findings on a (werkzeug) response to a request, as strings; empty when valid."""
        found = []
        for error in self._apps[product].iter_response_errors(WerkzeugOpenAPIRequest(request),
                                                              WerkzeugOpenAPIResponse(response)):
            detail = error.__cause__
            details = getattr(detail, "schema_errors", None) or ([detail] if detail else [])
            found.append("%s%s" % (error, "".join(" [%s]" % getattr(d, "message", d) for d in details)))
        return found

    def request_errors(self, product, request):
        """openapi-core's findings on a (werkzeug) request, as strings; empty when valid."""
        found = []
        for error in self._apps[product].iter_request_errors(WerkzeugOpenAPIRequest(request)):
            detail = error.__cause__
            details = getattr(detail, "schema_errors", None) or []
            found.append("openapi-core: %s%s" % (error, "".join(" [%s]" % getattr(d, "message", d) for d in details)))
        return found

    def write_problems(self, product, request, operation):
        """Everything wrong with a POST or DELETE request, as strings: openapi-core's findings and what it lets
        through (unknown, repeated or missing form parameters, loose booleans and integers, relative URLs)."""
        spec = self.specs[product]
        problems = self.request_errors(product, request)
        name = operation["operationId"]
        known = set(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
        for param in set(request.args):
            if param not in known:
                problems.append("query parameter %s is not a parameter of %s" % (param, name))
            if len(request.args.getlist(param)) > 1:
                problems.append("query parameter %s given %d times" % (param, len(request.args.getlist(param))))
        schema = form_schema(spec, operation)
        body = request.get_data()
        if schema is None:
            if body:
                problems.append("%s takes no request body, got %d bytes" % (name, len(body)))
            return problems
        if body and request.mimetype != FORM_CONTENT_TYPE:
            problems.append("the body of %s must be %s, got %s" % (name, FORM_CONTENT_TYPE, request.mimetype or "none"))
            return problems
        properties = schema.get("properties", {})
        for param in request.form:
            values = request.form.getlist(param)
            if param not in properties:
                problems.append("form parameter %s is not a parameter of %s" % (param, name))
                continue
            prop = resolve(spec, properties[param])
            if len(values) > 1 and prop.get("type") != "array":
                problems.append("form parameter %s given %d times (not an array)" % (param, len(values)))
            try:
                form_value(spec, prop, values if prop.get("type") == "array" else values[0])
            except ValueError as err:
                problems.append("form parameter %s: %s" % (param, err))
        for param in schema.get("required", []):
            if param not in request.form:
                problems.append("required form parameter %s of %s is missing" % (param, name))
        return problems

    def _write(self, request, product, spec, template, path_params, operation, entry):
        """Check a POST or DELETE of the description, record it in ``writes`` and answer it."""
        write = {"method": request.method, "path": request.path, "template": template,
                 "operation": operation["operationId"], "form": entry["form"], "query": entry["query"],
                 "problems": [], "status": None, "record": None, "response_validated": False}
        with self._lock:
            self.writes.append(write)
            number = len(self.writes)   # numbers the SIDs of the records it creates
        problems = self.write_problems(product, request, operation)
        write["problems"] = problems
        if problems:
            for problem in problems:
                self._violation(request, problem)
            write["status"] = 400
            return self._error(400, 20001, "; ".join(problems))
        if request.authorization is None or (request.authorization.username, request.authorization.password) != (
                self.account_sid, self.auth_token):
            write["status"] = 401
            return self._error(401, 20003, "Authenticate")
        sid = path_params.get("Sid")
        if sid is not None and (sid == NOT_FOUND_NAME or sid.endswith(NOT_FOUND_HEX)):
            write["status"] = 404
            return self._error(404, 20404, "The requested resource %s was not found" % request.path)
        code = success_code(operation)
        content = operation["responses"][code].get("content", {}).get("application/json")
        if content is None:
            response = Response(status=int(code))
        else:
            record = self._written_record(request, product, spec, path_params, operation, content, number)
            write["record"] = record
            response = Response(json.dumps(record), status=int(code), mimetype="application/json")
        errors = self.response_errors(product, request, response)
        for error in errors:
            self._violation(request, "generated response does not validate: %s" % error)
        write.update(status=response.status_code, response_validated=not errors)
        return response

    def _written_record(self, request, product, spec, path_params, operation, content, number):
        """The record a write answers with: generated from the response schema and the operation's example,
        with the values the form (and the path) set wherever they fit the record's schema."""
        schema = resolve(spec, content["schema"])
        example = {}
        for value in content.get("examples", {}).values():
            value = resolve(spec, value).get("value")
            if isinstance(value, dict):
                example = value
                break
        sid_pattern = resolve(spec, schema["properties"]["sid"])["pattern"]
        body = form_schema(spec, operation) or {}
        overrides = {}
        for param, sub in body.get("properties", {}).items():
            if param not in request.form:
                continue
            sub = resolve(spec, sub)
            raw = request.form.getlist(param) if sub.get("type") == "array" else request.form[param]
            value = form_value(spec, sub, raw)
            for field in (snake_case(param), snake_case(param) + "_sid"):
                if field in schema["properties"] and fits(spec, schema["properties"][field], value):
                    overrides[field] = value
                    break
        for param, value in path_params.items():
            field = snake_case(param)
            if param != "Sid" and field in schema["properties"] and fits(spec, schema["properties"][field], value):
                overrides[field] = value
        path = request.path.split("/", 2)[2]   # without the product
        prefix = SID_PATTERN.match(sid_pattern).group(1)
        sid = path_params.get("Sid")
        if sid is not None:          # an update: the record of the path
            list_path = "/" + path.rsplit("/", 1)[0]
            if not re.match(sid_pattern, sid):   # addressed by unique name
                overrides.setdefault("unique_name", sid)
                sid = prefix + "%032x" % (0xd0000000 + number)
        else:                        # a create: a new SID, or the SID the form names (a member added to a set)
            list_path = "/" + path
            named = [value for value in request.form.values() if re.match(sid_pattern, value)]
            sid = named[0] if named else prefix + "%032x" % (0xe0000000 + number)
        return self._record(product, spec, list_path, schema, example, sid[2:], overrides)

    @staticmethod
    def _match(spec, path):
        for template in spec["paths"]:
            names = re.findall(r"{(\w+)}", template)
            regex = "^" + re.sub(r"{\w+}", "([^/]+)", template) + "$"
            match = re.match(regex, path)
            if match:
                return template, dict(zip(names, match.groups()))
        return None, {}

    def _error(self, status, code, message):
        body = {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                "status": status}
        return Response(json.dumps(body), status=status, mimetype="application/json")

    # -- generated records ------------------------------------------------------------------------

    def _record(self, product, spec, list_path, schema, example, sid_hex, overrides):
        record = dict((prop, sample_value(spec, sub, example.get(prop), prop, self.product_url))
                      for prop, sub in schema["properties"].items())
        if "sid" not in schema["properties"]:
            # Records without a SID (usage records, IP addresses) are told apart by position only.
            record.update(overrides)
            return record
        sid_schema = resolve(spec, schema["properties"]["sid"])
        # Some SIDs have no pattern in the description (data sessions): their prefix is the example's.
        match = SID_PATTERN.match(sid_schema.get("pattern", ""))
        prefix = match.group(1) if match else (example.get("sid") or "XX")[:2]
        sid = prefix + sid_hex
        old_sid = example.get("sid")

        def rewrite(value):
            if isinstance(value, str) and old_sid:
                return value.replace(old_sid, sid)
            if isinstance(value, dict):
                return dict((k, rewrite(v)) for k, v in value.items())
            return value

        record = dict((k, rewrite(v)) for k, v in record.items())
        record["sid"] = sid
        if "url" in record:
            record["url"] = "%s/%s%s/%s" % (self.base_url, product, list_path, sid)
        if "unique_name" in record:
            record["unique_name"] = "mock-%s" % sid_hex[-12:]
        record.update(overrides)
        return record

    def _filter_overrides(self, schema, filters):
        overrides = {}
        for param, value in filters.items():
            field = FILTER_FIELDS.get(param)
            if isinstance(field, tuple):
                field, prefix = field
                if not value.startswith(prefix):
                    continue  # a unique name: the record carries the SID it names, which the mock makes up
            if field in schema["properties"]:
                overrides[field] = value
        return overrides

    def _list(self, request, product, spec, template, schema):
        key = next(k for k in schema["properties"] if k != "meta")
        item_schema = resolve(spec, schema["properties"][key]["items"])
        filters = dict((k, v) for k, v in request.args.items() if k not in PAGING_PARAMS)
        page_size = int(request.args.get("PageSize", 50))
        # One dataset per template (a sub-resource serves the same records under any parent); pages link to the
        # path that was asked for.
        path = "/" + request.path.lstrip("/").partition("/")[2]
        dataset_key = self.dataset_key(product, template, filters, page_size)
        with self._lock:
            self.page_requests[dataset_key] = self.page_requests.get(dataset_key, 0) + 1
            records = self.datasets.get(dataset_key)
            if records is None:
                example = example_record(spec, template, key)
                number = len(self.datasets) + 1
                # more than one page, except at the largest page sizes (kept small: the default
                # PageSize=1000 listing is one page of LARGE_PAGE_RECORDS)
                total = page_size + page_size // 2 + 1 if page_size <= 100 else LARGE_PAGE_RECORDS
                if NOT_FOUND_NAME in filters.values():  # a filter that matches nothing
                    total = 0
                overrides = self._filter_overrides(item_schema, filters)
                records = [self._record(product, spec, template, item_schema, example,
                                        "%08x%024x" % (number, index + 1), overrides)
                           for index in range(total)]
                self.datasets[dataset_key] = records

        def page_token(number):
            last = records[number * page_size - 1]
            return "PA" + last["sid"] if "sid" in last else "PA%08d" % (number * page_size)

        page = int(request.args.get("Page", 0))
        token = request.args.get("PageToken")
        if (page == 0) != (token is None):
            self._violation(request, "Page and PageToken must come together, as next_page_url gives them")
        elif page and token != page_token(page):
            self._violation(request, "PageToken %s is not the one next_page_url carried" % token)
        chunk = records[page * page_size:(page + 1) * page_size]

        def page_url(number):
            query = dict(filters, PageSize=page_size, Page=number)
            if number:
                query["PageToken"] = page_token(number)
            return "%s/%s%s?%s" % (self.base_url, product, path, urlencode(query))

        more = (page + 1) * page_size < len(records)
        body = {
            key: chunk,
            "meta": {
                "first_page_url": page_url(0),
                "key": key,
                "next_page_url": page_url(page + 1) if more else None,
                "page": page,
                "page_size": page_size,
                "previous_page_url": page_url(page - 1) if page else None,
                "url": page_url(page),
            },
        }
        return Response(json.dumps(body), status=200, mimetype="application/json")

    def _fetch(self, request, product, spec, template, path_params):
        schema = resolve(spec, _json_content(spec["paths"][template]["get"])["schema"])
        sid = path_params.get("Sid")
        sid_schema = resolve(spec, schema["properties"]["sid"])
        prefix = SID_PATTERN.match(sid_schema["pattern"]).group(1)
        if sid in (prefix + NOT_FOUND_HEX, NOT_FOUND_NAME):
            return self._error(404, 20404, "The requested resource %s was not found" % request.path)
        list_path = template.rsplit("/", 1)[0]
        example = example_record(spec, template)
        extra = self.fetch_overrides.get((product, list_path), {})
        if re.match(sid_schema["pattern"], sid):
            record = self._record(product, spec, list_path, schema, example, sid[2:], dict(extra))
        else:  # a unique name
            with self._lock:
                number = len(self.fetched) + 1
            record = self._record(product, spec, list_path, schema, example, "%032x" % (0xf0000000 + number),
                                  dict(extra, unique_name=sid))
        with self._lock:
            self.fetched[(product, template, sid)] = record
        return Response(json.dumps(record), status=200, mimetype="application/json")


def basic_auth_header(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
