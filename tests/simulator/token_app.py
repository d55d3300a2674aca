"""The KORE token listener: `POST /api-services/v1/auth/token` (OAuth 2.0 client credentials, RFC 6749 4.4).

Served on its own port (another origin than the API), so tests can tell which host received which
credential. Every request is logged (RequestLog) and counted (TokenStats); faults come from `kore.faults`.
Answers carry OAuth bodies: `{"access_token", "expires_in" (a string, as KORE), "token_type", "scope"}` or
`{"error", "error_description"}`. During an outage (`kore.outage_after`) every request is answered 503
`temporarily_unavailable`.
"""
import json
import time

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

from .app import caller_of, credential_entry, drop_connection
from .faults import FAULT_401, FAULT_429, FAULT_5XX, FAULT_DROP
from .kore import TOKEN_PATH, TOKEN_SCOPE

FORM_TYPE = "application/x-www-form-urlencoded"
BAD_CLIENT = "Invalid client or Invalid client credentials"
OUTAGE = "outage"


class OAuthError(Exception):
    """An error answered with an OAuth body."""

    def __init__(self, status, error, description, headers=None):
        super().__init__(description)
        self.status, self.error, self.description, self.headers = status, error, description, headers or {}

    def response(self):
        return oauth_response({"error": self.error, "error_description": self.description}, self.status, self.headers)


def oauth_response(body, status=200, headers=None):
    """JSON with RFC 6749's no-caching headers."""
    response = Response(json.dumps(body), status=status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def check_path(request):
    if request.path.rstrip("/") != TOKEN_PATH:
        raise OAuthError(404, "invalid_request", f"Unknown path {request.path}; the token endpoint is POST {TOKEN_PATH}")


def check_method(request):
    if request.method != "POST":
        raise OAuthError(405, "invalid_request", "The token endpoint accepts POST only", {"Allow": "POST"})


def check_form(request):
    if request.mimetype != FORM_TYPE:
        raise OAuthError(400, "invalid_request", f"The request body must be form-encoded ({FORM_TYPE})")


def check_grant(request):
    grant_type = request.form.get("grant_type")
    if not grant_type:
        raise OAuthError(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant_type {grant_type!r}; use client_credentials")


def check_client_fields(request):
    if not request.form.get("client_id") or not request.form.get("client_secret"):
        raise OAuthError(400, "invalid_request", "client_id and client_secret are required")


# Checks of a request before its client is authenticated, in order.
CHECKS = (check_method, check_form, check_grant, check_client_fields)


class TokenApp:
    """The WSGI callable of the token listener; `kore` and `requests` are shared with the API listener."""

    def __init__(self, kore, requests):
        self.kore = kore
        self.requests = requests

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.get_data(cache=True)  # keep the body for the request log after the form is parsed
        caller = caller_of(request)
        fault = error = None
        try:
            check_path(request)
            if self.kore.token_endpoint_down():
                fault = OUTAGE
                raise self._outage()
            fault, faulty = self._fault()
            if faulty is not None:
                raise faulty
            response = None if fault == FAULT_DROP else self._issue(request)
        except OAuthError as err:
            response, error = err.response(), err.error
        status = "dropped" if response is None else response.status_code
        self.kore.stats.record(status, error, fault)
        client_id = request.form.get("client_id") if request.mimetype == FORM_TYPE else None
        self.requests.record(credential_entry("token", request, caller, status, self.kore, client_id))
        if response is None:
            drop_connection(environ)
        return response(environ, start_response)

    def _fault(self):
        """Apply latency and draw a fault: (fault or None, the OAuthError to answer or None)."""
        faults = self.kore.faults
        if faults.latency:
            time.sleep(faults.latency)
        fault, status = faults.draw()
        answers = {
            FAULT_401: lambda: OAuthError(401, "unauthorized_client", BAD_CLIENT),
            FAULT_429: lambda: OAuthError(429, "too_many_requests", "Too Many Requests", {"Retry-After": faults.retry_after}),
            FAULT_5XX: lambda: OAuthError(status, "temporarily_unavailable" if status == 503 else "server_error",
                                          HTTP_STATUS_CODES.get(status, "Server Error")),
        }
        return fault, answers[fault]() if fault in answers else None

    @staticmethod
    def _outage():
        return OAuthError(503, "temporarily_unavailable", "The token endpoint is down (simulated outage)")

    def _issue(self, request):
        for check in CHECKS:
            check(request)
        client_id = request.form["client_id"]
        account_sid = self.kore.clients.account_for(client_id, request.form["client_secret"])
        if account_sid is None:
            raise OAuthError(401, "unauthorized_client", BAD_CLIENT)
        if not self.kore.reserve_token():
            raise self._outage()
        token, lifetime = self.kore.issue(client_id, account_sid)
        return oauth_response({"access_token": token, "expires_in": str(int(lifetime)), "token_type": "Bearer",
                               "scope": TOKEN_SCOPE})
