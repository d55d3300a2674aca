# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The write side of one resource, described once: checking the values of its writable fields, comparing them with a
record, the form Twilio takes, the status transitions it allows.

A Writer reads everything from the endpoint's fields (_endpoints.Field) and transitions. The state and command
modules (_state.py) and sim_batch (_batch.py) write through it, so a writable field added to the endpoint table is
checked, compared, sent and shown the same way by all of them.

Private to the collection: its interface may change between releases.
"""

import base64
import binascii
import re

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    blank,
    identifier_problem,
    matches,
)

URL = re.compile(r"https?://[^/?#\s]+[^\s]*\Z")
WAIT_OPTIONS = dict(wait=dict(type="bool", default=False), wait_timeout=dict(type="int", default=120))
WAIT_TIMEOUT_BOUNDS = (1, 3600)


def same(current, desired):
    """Whether a record's value is the value asked for (lists in any order, numbers as numbers, booleans exactly)."""
    if isinstance(desired, list):
        return sorted(str(v) for v in desired) == sorted(str(v) for v in (current or []))
    if isinstance(desired, bool) or isinstance(current, bool):
        return current is desired
    if isinstance(desired, int) and current is not None:
        try:
            return int(current) == desired
        except (TypeError, ValueError):
            return False
    return current == desired


def wait_timeout_problem(params):
    timeout = params.get("wait_timeout")
    low, high = WAIT_TIMEOUT_BOUNDS
    if timeout is not None and not low <= timeout <= high:
        return "wait_timeout must be between %d and %d seconds, got %s" % (low, high, timeout)
    return None


def length_problem(f, value, params):
    """Why ``value`` of the message field ``f`` is longer than Twilio takes (or not Base64 in binary mode), counted in
    the unit Twilio's description states; None when it fits."""
    rule = f.length
    mode = (params.get(rule.mode) if rule.mode else None) or "text"
    if mode == "binary":
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            return "%s must be Base64 with %s=binary, got %r" % (f.option, rule.mode, value[:40])
        if rule.binary_bytes is not None and size > rule.binary_bytes:
            return "%s must be at most %d bytes with %s=binary (counted decoded from Base64), got %d" % (
                f.option, rule.binary_bytes, rule.mode, size)
        return None
    if rule.text_bytes is not None and len(value.encode("utf-8")) > rule.text_bytes:
        return "%s must be at most %d bytes of UTF-8 text, got %d" % (f.option, rule.text_bytes, len(value.encode("utf-8")))
    sid = params.get(rule.sid) if rule.sid else None
    if sid not in (None, "none") and rule.sid_chars is not None and len(value) > rule.sid_chars:
        return "%s must be at most %d characters with %s=%s (the command's SID takes the rest of the %d), got %d" % (
            f.option, rule.sid_chars, rule.sid, sid, rule.chars, len(value))
    if rule.chars is not None and len(value) > rule.chars:
        return "%s must be at most %d characters of text, got %d" % (f.option, rule.chars, len(value))
    return None


def field_problem(f, value, params):
    """Why the value of field ``f`` cannot be sent, before any request; None when it can (or is not set)."""
    if blank(value):
        return "%s must not be empty or blank" % f.option
    if value is None:
        return None
    if f.bounds and not f.bounds[0] <= value <= f.bounds[1]:
        return "%s must be between %d and %d, got %s" % (f.option, f.bounds[0], f.bounds[1], value)
    if f.url and not URL.match(value):
        return "%s must be an absolute http or https URL, got %r" % (f.option, value)
    if f.ref and isinstance(value, str):
        return identifier_problem(f.option, value)
    if f.length and isinstance(value, str):
        return length_problem(f, value, params)
    return None


def referenced_sid(client, f, value):
    """The SID of the record that field ``f`` names by ``value`` (a SID, or a unique name where the referenced endpoint
    fetches by one), or None when no record has it."""
    target = ENDPOINTS[f.ref]
    if matches(target.sid_pattern, value):
        return value
    record = client.fetch(target, value) if target.fetch_by_unique_name else None
    return record["sid"] if record is not None else None


def referenced_record(client, f, value):
    """The record that field ``f`` names by ``value`` (a SID, or a unique name where the referenced endpoint fetches by
    one), or None when no record has it."""
    target = ENDPOINTS[f.ref]
    if matches(target.sid_pattern, value) or target.fetch_by_unique_name:
        return client.fetch(target, value)
    return None


def unknown_reference(f, value):
    return "%s: no %s has the SID or unique name %r" % (f.option, ENDPOINTS[f.ref].name.replace("_", " "), value)


class Writer:
    """The write side of one endpoint, over ``fields`` (by default all its writable fields).

    Values are the module options' values: ``desired`` maps options to the values asked for, references resolved to
    SIDs; a record is Twilio's.
    """

    def __init__(self, endpoint, fields=None):
        self.endpoint = endpoint
        self.fields = tuple(endpoint.fields if fields is None else fields)

    def field(self, option):
        return self.endpoint.field(option)

    def problems(self, params):
        """What is wrong with the values of the fields set, before any request."""
        return [p for p in (field_problem(f, params.get(f.option), params) for f in self.fields) if p]

    def desired(self, params, resolve):
        """{option: value} of every field set: an action (a reset) as the value it sets, references resolved by
        ``resolve(field, value)`` to SIDs; write-only fields left out (they are sent with a write, never compared)."""
        desired = {}
        for f in self.fields:
            value = params.get(f.option)
            if value is None or value is False and f.sets or f.write_only:
                continue
            desired[f.option] = f.sets if f.sets else resolve(f, value) if f.ref else value
        return desired

    def value(self, record, option):
        """The record's value of a field."""
        return record.get(self.field(option).record_field)

    def changes(self, record, desired):
        """The fields of ``desired`` whose values the record does not have."""
        return dict((option, value) for option, value in desired.items() if not same(self.value(record, option), value))

    def applied(self, record, changes):
        """Whether the record shows every change (a status still settling toward it counts)."""
        for option, value in dict(changes).items():
            current = self.value(record, option)
            if not same(current, value) and not (option == "status" and current in self.endpoint.settling):
                return False
        return True

    def unchanged(self, record, before, changes):
        """Whether the record still has the values ``before`` had for the fields of ``changes``."""
        return all(same(self.value(record, option), self.value(before, option)) for option in dict(changes))

    def describe(self, record, options=None):
        """{option: value} of the record, for the given options or every field Twilio shows."""
        if options is None:
            options = [f.option for f in self.fields if not f.write_only]
        return dict((option, self.value(record, option)) for option in options)

    def transition_problem(self, current, asked):
        """Why Twilio would refuse to move a record from status ``current`` to ``asked``; None when it allows it."""
        allowed = self.endpoint.allowed_from(asked)
        if allowed is not None and current not in allowed:
            return "status cannot change from %s to %s: Twilio allows %s only from %s" % (current, asked, asked, ", ".join(allowed))
        return None

    def form(self, values, params=None, create=False):
        """Twilio's form for ``values`` ({option: value}), with the write-only fields set in ``params`` that go with
        this kind of write (a creation, or an update of an existing record)."""
        form = {}
        for option, value in dict(values).items():
            f = self.field(option)
            form[f.param] = f.form_value(value)
        for f in self.fields:
            if params is not None and f.write_only and params.get(f.option) is not None \
                    and (not f.update_only if create else not f.create_only):
                form[f.param] = f.form_value(params[f.option])
        return form
