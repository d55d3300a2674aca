"""Twilio's error answers, shared by the API app and the writer."""
import json
import uuid

from werkzeug.wrappers import Response

from .kore import TWILIO_DOCS


class ApiError(Exception):
    """An error answered with Twilio's error body."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self, docs=TWILIO_DOCS):
        return error_response(self.status, self.code, self.message, self.headers, docs)


def api_error(code, message):
    """An ApiError for a `resources.Code` (HTTP status and Twilio code)."""
    return ApiError(code.status, code.code, message)


def error_response(status, code, message, headers=None, docs=TWILIO_DOCS):
    """Twilio's (and KORE's) error body: code, message, more_info (`docs` + code), status."""
    body = {"code": code, "message": message, "more_info": f"{docs}{code}", "status": status}
    return json_response(json.dumps(body), status, headers)


def json_response(text, status=200, headers=None):
    """A JSON answer (no body for a 204) with a Twilio-Request-Id header."""
    if status == 204:
        response = Response(status=204)
    else:
        response = Response(text, status=status, content_type="application/json")
    response.headers["Twilio-Request-Id"] = f"RQ{uuid.uuid4().hex}"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
