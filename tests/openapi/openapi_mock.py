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

Problems are collected in ``mock.violations``; the generated records in ``mock.datasets`` and
``mock.fetched``, so a test can compare what a client returned with what the mock served.

    with OpenAPIMock(account_sid, auth_token) as mock:
        mock.product_url   # "http://127.0.0.1:PORT/{product}"
"""

import base64
import copy
import json
import os
import re
import threading
from urllib.parse import urlencode

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

# Query parameters that select records by a field, and the record field they select on. The mock makes every
# generated record match the request's filters, so a client that drops or mangles a filter is caught.
FILTER_FIELDS = {
    "Status": "status", "Direction": "direction", "Iccid": "iccid", "SimIccid": "sim_iccid", "Eid": "eid",
    "EId": "e_id", "SimSid": "sim_sid", "RatePlan": ("rate_plan_sid", "WP"), "Fleet": ("fleet_sid", "HF"),
    "Sim": ("sim_sid", "HS"),
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
    """Threaded werkzeug server answering the Wireless and Super SIM v1 GET operations of the description."""

    def __init__(self, account_sid, auth_token, host="127.0.0.1"):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.specs = dict((product, load_spec(product)) for product in SPEC_FILES)
        self.violations = []
        self.requests = []
        self.datasets = {}
        self.fetched = {}
        self.page_requests = {}
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
        with self._lock:
            self.requests.append({"method": request.method, "path": request.path, "query": list(request.args.items(multi=True)),
                                  "user_agent": request.headers.get("User-Agent", "")})
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
        sid_schema = resolve(spec, schema["properties"]["sid"])
        prefix = SID_PATTERN.match(sid_schema["pattern"]).group(1)
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
                overrides = self._filter_overrides(item_schema, filters)
                records = [self._record(product, spec, template, item_schema, example,
                                        "%08x%024x" % (number, index + 1), overrides)
                           for index in range(total)]
                self.datasets[dataset_key] = records
        page = int(request.args.get("Page", 0))
        token = request.args.get("PageToken")
        if (page == 0) != (token is None):
            self._violation(request, "Page and PageToken must come together, as next_page_url gives them")
        elif page and token != "PA" + records[page * page_size - 1]["sid"]:
            self._violation(request, "PageToken %s is not the one next_page_url carried" % token)
        chunk = records[page * page_size:(page + 1) * page_size]

        def page_url(number):
            query = dict(filters, PageSize=page_size, Page=number)
            if number:
                query["PageToken"] = "PA" + records[number * page_size - 1]["sid"]
            return "%s/%s%s?%s" % (self.base_url, product, template, urlencode(query))

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
        if re.match(sid_schema["pattern"], sid):
            record = self._record(product, spec, list_path, schema, example, sid[2:], {})
        else:  # a unique name
            with self._lock:
                number = len(self.fetched) + 1
            record = self._record(product, spec, list_path, schema, example, "%032x" % (0xf0000000 + number),
                                  {"unique_name": sid})
        with self._lock:
            self.fetched[(product, template, sid)] = record
        return Response(json.dumps(record), status=200, mimetype="application/json")


def basic_auth_header(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
