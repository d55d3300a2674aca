# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers shared by the fleet report filters (private to this collection, controller side)."""

import datetime
import math
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    PRODUCTS,
    SIM_STATUSES,
    SUPERSIM_SIM_STATUSES,
    USAGE_BY_SIM_MAX_DAYS,
    WIRELESS_SIM_STATUSES,
    parse_timestamp,
)

SCHEMA_VERSION = 1
# audit.json: 2 since the command finding is no_command_sims and usage figures are per product.
AUDIT_SCHEMA_VERSION = 2
# The products (PRODUCTS, their names for people in PRODUCT_NAMES) and the SIM statuses Twilio documents per product
# (SIM_STATUSES) come from the endpoint table; here also every status of either product (a policy's suspended
# statuses mix both).
ANY_SIM_STATUSES = tuple(dict.fromkeys(WIRELESS_SIM_STATUSES + SUPERSIM_SIM_STATUSES))
# The one lifecycle order of SIM statuses in reports: each product's statuses in the order of its endpoint table
# (new, ready, active, then the statuses after active); both products together by the earliest place of each status.
SIM_STATUS_ORDER = dict(SIM_STATUSES, all=tuple(sorted(
    ANY_SIM_STATUSES, key=lambda status: min(order.index(status) for order in SIM_STATUSES.values() if status in order))))
# The longest window or age in days that options take: a century.
MAX_DAYS = 36500
# The longest usage window of the reports: the longest Twilio answers for Super SIM usage grouped by SIM.
USAGE_MAX_DAYS = USAGE_BY_SIM_MAX_DAYS
# Twilio gives data limits (a fleet's or a rate plan's data_limit) in megabytes of 1,000,000 bytes.
BYTES_PER_MB = 1000000


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


def reference_time(now, name="now"):
    """The moment `now` names (ISO 8601, or RFC 2822), the current time when it is empty; refused naming `name`."""
    if now is None or now == "":
        return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    # YAML reads an unquoted 2026-01-31T12:00:00Z as a datetime, and 2026-01-31 as a date; numbers are no timestamps
    moment = None if isinstance(now, (bool, int, float)) else parse_time(
        now if isinstance(now, datetime.datetime) else to_text(now))
    if moment is None:
        raise AnsibleFilterError("%s must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z, or empty for the "
                                 "current time, got %r" % (name, to_text(now)))
    return moment


# Checks and conversions of options given by people (role variables, -e on the command line, filter options).
# Each takes the value and the name to give in its error message, and returns the value in its one form.


def number(value, name, minimum=0, above=False):
    """A finite number of at least `minimum` (more than `minimum` when `above`); numeric strings are converted."""
    if isinstance(value, bool):
        raise AnsibleFilterError("%s must be a number, got %r" % (name, value))
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError("%s must be a number, got %r" % (name, value))
    if not math.isfinite(result):
        raise AnsibleFilterError("%s must be a finite number, got %r" % (name, value))
    if result < minimum or (above and result == minimum):
        bound = "more than" if above else "at least"
        raise AnsibleFilterError("%s must be %s %s, got %r" % (name, bound, plain(float(minimum)), value))
    return result


def days(value, name, allow_zero=False):
    """A length of time in days, more than 0 (an empty window makes no sense for a report) unless `allow_zero`.

    At most MAX_DAYS: longer spans reach before any SIM existed (and beyond what a datetime can hold).
    """
    result = number(value, name, above=not allow_zero)
    if result > MAX_DAYS:
        raise AnsibleFilterError("%s must be at most %d days, got %r" % (name, MAX_DAYS, value))
    return plain(result)


def whole_number(value, name, minimum=1):
    """An integer of at least `minimum`; integral floats and numeric strings are converted, fractions refused."""
    result = number(value, name, minimum=minimum)
    if not result.is_integer():
        raise AnsibleFilterError("%s must be a whole number, got %r" % (name, value))
    return int(result)


def ratio(value, name):
    """A share from 0 to 1."""
    result = number(value, name)
    if result > 1:
        raise AnsibleFilterError("%s must be between 0 and 1, got %r" % (name, value))
    return plain(result)


def flag(value, name):
    """A boolean; the strings Ansible reads as booleans (yes, no, true, false, 1, 0, ...) are converted."""
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise AnsibleFilterError("%s must be true or false, got %r" % (name, value))


def timestamp(value, name):
    """The reference time as ISO 8601 UTC; empty means the current time, which is then fixed for the whole run."""
    return iso(reference_time(value, name))


def text_list(value, name, choices=None, required=False):
    """A list of strings, from a list or from a comma-separated string (``-e name=a,b`` on the command line).

    Items of a comma-separated string are stripped and empty ones dropped; repeated items are kept once. With
    `choices`, every item must be one of them; with `required`, the list must not be empty.
    """
    if value is None:
        items = []
    elif isinstance(value, (str, bytes)):
        items = [item.strip() for item in to_text(value).split(",")]
        items = [item for item in items if item]
    elif isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (str, bytes, int)):
                raise AnsibleFilterError("%s must be a list of strings, got the item %r" % (name, item))
            items.append(to_text(item))
    else:
        raise AnsibleFilterError("%s must be a list of strings or a comma-separated string, got %s"
                                 % (name, type(value).__name__))
    items = list(dict.fromkeys(items))
    if choices is not None:
        unknown = [item for item in items if item not in choices]
        if unknown:
            raise AnsibleFilterError("%s must be one or more of: %s; got %s"
                                     % (name, ", ".join(choices), ", ".join(repr(item) for item in unknown)))
    if required and not items:
        if choices:
            raise AnsibleFilterError("%s must name at least one of: %s" % (name, ", ".join(choices)))
        raise AnsibleFilterError("%s must not be empty" % name)
    return items


def product_list(value, name):
    """Products, at least one: a report on no product would read nothing and pass."""
    return text_list(value, name, choices=PRODUCTS, required=True)


def supersim_statuses(value, name):
    return text_list(value, name, choices=SUPERSIM_SIM_STATUSES)


def wireless_statuses(value, name):
    return text_list(value, name, choices=WIRELESS_SIM_STATUSES)


def any_sim_statuses(value, name):
    return text_list(value, name, choices=ANY_SIM_STATUSES)


def names_list(value, name):
    """Free-form names (SIDs, unique names, ICCIDs)."""
    return text_list(value, name)


def age_days(value, name):
    """An age in days from 0: 0 tolerates no time at all."""
    return days(value, name, allow_zero=True)


def usage_days(value, name):
    """A usage window in days, more than 0 and at most USAGE_MAX_DAYS (Twilio's limit for usage grouped by SIM)."""
    result = number(value, name, above=True)
    if result > USAGE_MAX_DAYS:
        raise AnsibleFilterError("%s must be at most %d days (the longest window of Super SIM usage records "
                                 "grouped by SIM), got %r" % (name, USAGE_MAX_DAYS, value))
    return plain(result)


def percent(value, name):
    """A share in percent, more than 0 (100 is the whole; more is allowed, for limits that may be overrun)."""
    return plain(number(value, name, above=True))


def silent_by(value, name):
    """How silence is judged: usage, commands, or empty (usage when usage data is given, commands otherwise)."""
    if value is None or value == "":
        return ""
    if value not in SILENT_BY:
        raise AnsibleFilterError("%s must be one of: %s (or empty for usage when usage data is given, commands "
                                 "otherwise), got %r" % (name, ", ".join(SILENT_BY), value))
    return to_text(value)


# What silence of a SIM is judged by (the compliance policy's silent_by).
SILENT_BY = ("usage", "commands")

# The options of the audit_summary filter (the sim_audit role's variables of the same names), each with its check.
AUDIT_OPTIONS = {
    "products": product_list,
    "window_days": days,
    "recent_days": days,
    "no_command_statuses": supersim_statuses,
    "data_limit_percent": percent,
}
# Their defaults: the filter's, and the role's (its defaults/main.yml and meta/argument_specs.yml state them and
# tests/unit/plugins/filter/test_one_source.py checks that they agree).
AUDIT_DEFAULTS = {
    "products": list(PRODUCTS),
    "window_days": 7,
    "recent_days": 7,
    "no_command_statuses": ["active"],
    "data_limit_percent": 90,
}

# The values of a compliance policy (the compliance_evaluate filter, the sim_compliance role's variables of the
# same names), each with its check; rules (flag) and allowed_statuses (ALLOWED_STATUSES_OPTIONS) are nested.
POLICY_OPTIONS = {
    "products": product_list,
    "exempt_sims": names_list,
    "suspended_statuses": any_sim_statuses,
    "suspended_max_days": age_days,
    "failed_command_ratio": ratio,
    "failed_command_min": whole_number,
    "command_window_days": days,
    "silent_days": days,
    "silent_statuses": supersim_statuses,
    "silent_by": silent_by,
    "usage_window_days": usage_days,
    "data_limit_percent": percent,
}
ALLOWED_STATUSES_OPTIONS = {"wireless": wireless_statuses, "supersim": supersim_statuses}
# Their defaults (every rule on, every documented status allowed): the policy of the compliance_evaluate filter and
# of the sim_compliance role (whose defaults/main.yml and meta/argument_specs.yml state them; tests check that they
# agree).
POLICY_DEFAULTS = {
    "rules": {},
    "allowed_statuses": dict((product, list(SIM_STATUSES[product])) for product in PRODUCTS),
    "suspended_statuses": ["suspended", "inactive"],
    "suspended_max_days": 30,
    "failed_command_ratio": 0.2,
    "failed_command_min": 5,
    "command_window_days": 7,
    "silent_days": 7,
    "silent_statuses": ["active"],
    "silent_by": "",
    "usage_window_days": 30,
    "data_limit_percent": 90,
    "products": list(PRODUCTS),
    "exempt_sims": [],
}


# The list key of a registered info module result, for the fleet keys that are not named like it.
LIST_KEYS = {"usage": "usage_records", "wireless_usage": "usage_records"}


def records(data, key):
    """The list under `key` of the fleet dict; a registered module result (a dict holding the list) also works."""
    if not isinstance(data, dict):
        raise AnsibleFilterError("the input must be a dictionary of record lists, got %s" % type(data).__name__)
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        inner = "sims" if key.endswith("sims") else LIST_KEYS.get(key, key)
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


def in_order(count_by_value, order):
    """A count by value (a status) as a dict in ``order``; values not in it after, by name, and ``none`` last."""
    rank = dict((value, index) for index, value in enumerate(order))
    return dict(sorted(count_by_value.items(), key=lambda item: (
        item[0] == "none", item[0] not in rank, rank.get(item[0], 0), item[0])))


def in_window(record, start, field="date_created"):
    moment = parse_time(record.get(field))
    return moment is not None and moment >= start


def created_by(record, moment):
    """Whether the record was created at or before ``moment`` (or has no creation time): a SIM created later cannot
    have been quiet since ``moment``."""
    created = parse_time(record.get("date_created"))
    return created is None or created <= moment


def by_sim(commands):
    """Dict of SIM SID to the list of its commands."""
    result = {}
    for command in commands:
        result.setdefault(text(command.get("sim_sid")), []).append(command)
    return result


# Data usage


@dataclass(frozen=True)
class DataUsage:
    """Bytes of data: uploaded, downloaded and their total."""

    upload: int = 0
    download: int = 0
    total: int = 0

    def __add__(self, other):
        return DataUsage(self.upload + other.upload, self.download + other.download, self.total + other.total)

    def as_dict(self):
        return {"upload": self.upload, "download": self.download, "total": self.total}


def _bytes(value):
    """A byte count from an API value; None, text and other junk count as 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(to_text(value))
        except (TypeError, ValueError):
            return 0
    return int(value) if math.isfinite(value) and value > 0 else 0


def record_usage(record):
    """The data of one usage record: a Super SIM record (data_upload, data_download, data_total) or a Programmable
    Wireless one (a data object with upload, download and total). A missing total is the sum of the other two."""
    data = record.get("data")
    if isinstance(data, dict):
        upload, download, total = data.get("upload"), data.get("download"), data.get("total")
    else:
        upload, download, total = record.get("data_upload"), record.get("data_download"), record.get("data_total")
    upload, download = _bytes(upload), _bytes(download)
    return DataUsage(upload, download, _bytes(total) if total is not None else upload + download)


def usage_by_sim(usage_records):
    """{SIM SID: DataUsage} summed over the usage records that name their SIM (sim_sid)."""
    result = {}
    for record in usage_records:
        sid = text(record.get("sim_sid"))
        if sid:
            result[sid] = result.get(sid, DataUsage()) + record_usage(record)
    return result


def usage_total(usage_records):
    """The DataUsage of a list of usage records, summed."""
    total = DataUsage()
    for record in usage_records:
        total = total + record_usage(record)
    return total


def megabytes(count):
    """Bytes as megabytes (Twilio's 1,000,000 bytes), to two decimals."""
    return round(count / float(BYTES_PER_MB), 2)
