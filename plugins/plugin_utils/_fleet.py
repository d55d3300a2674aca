# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers shared by the fleet report filters (private to this collection, controller side)."""

import datetime
from email.utils import parsedate_to_datetime

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import parse_timestamp

SCHEMA_VERSION = 1
PRODUCTS = ("wireless", "supersim")


def plain(value):
    """An integral float as an int (7.0 -> 7), for readable reports."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def parse_time(value):
    """A timezone-aware datetime from Twilio's ISO 8601 (or RFC 2822) timestamps; None when absent or unparsable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    text = to_text(value)
    moment = parse_timestamp(text)
    if moment is None:
        try:
            moment = parsedate_to_datetime(text.strip())
        except (TypeError, ValueError, IndexError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def reference_time(now):
    if now is None or now == "":
        return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    moment = parse_time(now)
    if moment is None:
        raise AnsibleFilterError("now must be an ISO 8601 timestamp, got %r" % (now,))
    return moment


def number(value, name, minimum=0):
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError("%s must be a number, got %r" % (name, value))
    if result < minimum:
        raise AnsibleFilterError("%s must be %s or more, got %r" % (name, minimum, value))
    return result


def records(data, key):
    """The list under `key` of the fleet dict; a registered module result (a dict holding the list) also works."""
    if not isinstance(data, dict):
        raise AnsibleFilterError("the input must be a dictionary of record lists, got %s" % type(data).__name__)
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        inner = "sims" if key.endswith("sims") else key
        value = value.get(inner) or []
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("%s must be a list of records, got %s" % (key, type(value).__name__))
    return [record for record in value if isinstance(record, dict)]


def text(value):
    """A record's field as text (None stays None)."""
    return None if value is None else to_text(value)


def sim_entry(product, record):
    """The fields of a SIM that reports show, nothing else."""
    group = record.get("rate_plan_sid") if product == "wireless" else record.get("fleet_sid")
    return {
        "product": product,
        "sid": text(record.get("sid")),
        "unique_name": text(record.get("unique_name")),
        "iccid": text(record.get("iccid")),
        "status": text(record.get("status")),
        "group": text(group),
        "date_created": text(record.get("date_created")),
        "date_updated": text(record.get("date_updated")),
    }


def fleet_sims(data, products=PRODUCTS):
    """Every SIM of the audited products as (product, raw record, entry)."""
    result = []
    for product, key in (("wireless", "wireless_sims"), ("supersim", "supersim_sims")):
        if product in products:
            result.extend((product, record, sim_entry(product, record)) for record in records(data, key))
    return result


def in_window(record, start, field="date_created"):
    moment = parse_time(record.get(field))
    return moment is not None and moment >= start


def by_sim(commands):
    """Dict of SIM SID to the list of its commands."""
    result = {}
    for command in commands:
        result.setdefault(text(command.get("sim_sid")), []).append(command)
    return result
