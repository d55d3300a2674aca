# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: audit_summary
short_description: Summarize a Twilio SIM fleet for an audit report
version_added: 1.0.0
author:
  - simfleet maintainers (@simfleet)
description:
  - Turns the records returned by the collection's info modules into the audit report that the
    P(simfleet.twilio.sim_audit#role) role writes to C(audit.json), with counts by status, rate plan and fleet, SIMs
    updated recently, eSIM profiles in C(failed) with their error codes, failed commands by SIM and Super SIMs
    without command traffic in the window.
  - With usage records in the input, it adds data usage of the usage window (the last O(window_days) days, at most
    31), with top talkers, active SIMs without data (created before the window) and each fleet's C(data_limit) against
    its Super SIMs' usage. Rate plans and fleets are shown by unique name when the input lists them.
  - Only the fields listed in the return value are copied into the summary, so secrets such as an eSIM profile's
    C(activation_code) never reach a report, even when the input holds them.
  - Runs in Python, so fleets of many thousands of SIMs are summarized in well under a second.
options:
  _input:
    description:
      - The fleet as a dictionary with the keys C(wireless_sims), C(supersim_sims), C(esim_profiles),
        C(ip_commands) and C(sms_commands), each a list of records as returned by the info modules
        (C(sims), C(sims), C(esim_profiles), C(ip_commands), C(sms_commands)). Missing keys count as empty lists.
      - C(fleets) and C(rate_plans), the records of M(simfleet.twilio.supersim_fleet_info) and
        M(simfleet.twilio.wireless_rate_plan_info), for unique names and data limits.
      - C(usage), usage records of the usage window that name their SIM (C(sim_sid)), summed per SIM, those of
        M(simfleet.twilio.supersim_usage_record_info) with C(group=sim), which cover every Super SIM (one without a
        record used no data), and those of M(simfleet.twilio.wireless_usage_record_info) for single wireless SIMs,
        whose SIDs C(wireless_usage_sims) lists (other wireless SIMs are left out of the per-SIM usage figures).
        Without C(usage) (or with V(null)) the report has no usage section.
      - C(wireless_usage), the account-wide records of M(simfleet.twilio.wireless_usage_record_info), summed.
    type: dict
    required: true
  window_days:
    description:
      - IP and SMS commands created in the last O(window_days) days are counted; older ones are ignored.
      - More than 0 and at most 36500.
    type: float
    default: 7
  recent_days:
    description:
      - SIMs whose C(date_updated) is within the last O(recent_days) days are listed as recently changed.
      - More than 0 and at most 36500.
    type: float
    default: 7
  silent_statuses:
    description:
      - Super SIMs in one of these statuses without any IP or SMS command in the window are listed as silent.
      - A comma-separated string is read as a list.
    type: list
    elements: str
    choices: [new, ready, active, inactive, scheduled]
    default: [active]
  products:
    description:
      - The products that were audited, at least one; the records of other products in the input are ignored.
      - A comma-separated string is read as a list.
    type: list
    elements: str
    choices: [wireless, supersim]
    default: [wireless, supersim]
  now:
    description:
      - The reference time as an ISO 8601 timestamp, for example C(2026-01-31T12:00:00Z).
      - Defaults to the current time (UTC).
    type: str
  data_limit_percent:
    description:
      - Super SIMs whose data in the usage window is above this percentage of their fleet's C(data_limit)
        (megabytes of 1,000,000 bytes per SIM and billing period) are listed under their fleet; more than 0.
    type: float
    default: 90
"""

EXAMPLES = r"""
- name: Summarize the fleet
  ansible.builtin.set_fact:
    fleet_audit: >-
      {{ {'wireless_sims': wireless.sims, 'supersim_sims': supersim.sims, 'esim_profiles': profiles.esim_profiles,
          'ip_commands': ip.ip_commands, 'sms_commands': sms.sms_commands}
         | simfleet.twilio.audit_summary(window_days=14, recent_days=3) }}

- name: Show the status counts
  ansible.builtin.debug:
    msg: "{{ fleet_audit.sims.by_status.all }}"
"""

RETURN = r"""
_value:
  description:
    - The audit summary, the schema of C(audit.json) (C(schema_version) 1). Counts are dictionaries of a value
      to its number of records; a missing value (no rate plan, no fleet) is counted under C(none).
    - Every list of SIMs holds dictionaries with C(product), C(sid), C(unique_name), C(iccid), C(status),
      C(group) (rate plan SID for C(wireless), fleet SID for C(supersim)), C(group_name) (its unique name, null when
      not listed), C(date_created) and C(date_updated); lists of usage add C(upload), C(download) and C(total)
      (bytes).
  type: dict
  contains:
    schema_version:
      description: Version of this schema; changes only when a key is removed or changes meaning.
      type: int
      sample: 1
    generated_at:
      description: The reference time of the report, ISO 8601 UTC.
      type: str
    parameters:
      description: C(window_days), C(recent_days), C(silent_statuses), C(products) and C(data_limit_percent) as used.
      type: dict
    window:
      description: C(start) and C(end) (ISO 8601 UTC) of the command window.
      type: dict
    totals:
      description:
        - C(sims), C(wireless_sims), C(supersim_sims), C(esim_profiles), C(esim_profiles_failed), C(ip_commands),
          C(sms_commands) and C(failed_commands) (commands in the window), C(recently_changed), C(silent_sims),
          C(sims_with_failed_commands); with usage also C(data_total) (bytes of the SIMs covered), C(sims_with_data),
          C(zero_usage_sims) and C(sims_over_data_limit_percent).
      type: dict
    sims:
      description:
        - C(by_status) (C(wireless), C(supersim) and C(all), each status to count), C(by_rate_plan) (wireless
          SIMs per rate plan SID), C(by_fleet) (Super SIMs per fleet SID), C(by_rate_plan_name) and
          C(by_fleet_name) (the same by unique name, the SID when it has none or is not listed).
      type: dict
    recently_changed:
      description: SIMs updated within O(recent_days), most recently updated first.
      type: list
      elements: dict
    esim_profiles:
      description:
        - C(by_status), C(failed_by_error_code) and C(failed), the failed profiles (C(sid), C(sim_sid), C(iccid),
          C(eid), C(error_code), C(error_message), C(date_updated)), most recent first.
      type: dict
    commands:
      description:
        - C(ip) and C(sms), each with C(total), C(by_status) and C(by_direction) over the window; C(by_status), the
          outcomes of both kinds together; C(failed_by_sim), one entry per Super SIM with failed commands
          (C(sid), C(unique_name), C(iccid), C(failed_ip), C(failed_sms), C(failed), C(total)), most failures first.
      type: dict
    silent_sims:
      description: Super SIMs in O(silent_statuses) without any IP or SMS command in the window.
      type: list
      elements: dict
    usage:
      description:
        - Null without usage records in the input. Otherwise C(window) (C(start), C(end), C(days)),
          C(data_limit_percent), C(supersim) (C(sims), C(sims_with_data), C(upload), C(download), C(total)),
          C(wireless) (C(account), the account totals; C(per_sim), whether SIMs were listed one by one;
          C(sims_listed); C(active_sims)), C(top_talkers) (every SIM covered with data, most data first),
          C(zero_usage) (active SIMs covered, created before the window, without data) and C(fleets) (per fleet
          C(sid), C(unique_name), C(data_enabled), C(data_limit), C(sims), C(sims_with_data), C(upload),
          C(download), C(total), C(largest_sim_total), C(largest_limit_percent), C(average_limit_percent) and
          C(sims_over_limit_percent), the SIMs above O(data_limit_percent) of the limit).
      type: dict
    charts:
      description:
        - The bars of the usage charts of C(audit.html), C(top_talkers_mb), C(fleet_data_mb) and
          C(fleet_largest_limit_percent), each a list of C(key) (label) and C(value); empty without usage.
      type: dict
"""

import datetime
from collections import Counter

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import (
    AUDIT_OPTIONS,
    BYTES_PER_MB,
    PRODUCTS,
    SCHEMA_VERSION,
    USAGE_MAX_DAYS,
    DataUsage,
    by_sim,
    created_by,
    fleet_sims,
    in_window,
    iso,
    megabytes,
    parse_time,
    records,
    reference_time,
    text,
    usage_by_sim,
    usage_total,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import unsafe

NONE_KEY = "none"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def counts(values):
    """Dict of value to count, with None counted under NONE_KEY, keys sorted."""
    counter = Counter(NONE_KEY if value is None or value == "" else to_text(value) for value in values)
    return dict(sorted(counter.items()))


def window_commands(data, start):
    """(ip, sms) commands created at or after `start`."""
    return ([c for c in records(data, "ip_commands") if in_window(c, start)],
            [c for c in records(data, "sms_commands") if in_window(c, start)])


def command_block(commands):
    return {
        "total": len(commands),
        "by_status": counts(c.get("status") for c in commands),
        "by_direction": counts(c.get("direction") for c in commands),
    }


def _sort_updated(entries):
    return sorted(entries, key=lambda e: (-_timestamp(e.get("date_updated")), e["product"], e["sid"] or ""))


def _timestamp(value):
    moment = parse_time(value)
    return (moment - _EPOCH).total_seconds() if moment else float("-inf")


def group_names(data):
    """{rate plan or fleet SID: unique name} from the input's rate_plans and fleets."""
    names = {}
    for key in ("rate_plans", "fleets"):
        for record in records(data, key):
            if record.get("sid"):
                names[text(record["sid"])] = text(record.get("unique_name"))
    return names


def named_counts(count_by_sid, names):
    """A count by SID as a count by unique name (the SID when the plan or fleet has none or is unknown)."""
    result = {}
    for sid, count in count_by_sid.items():
        name = names.get(sid) or sid
        result[name] = result.get(name, 0) + count
    return dict(sorted(result.items()))


def _with_usage(entry, used):
    return dict(entry, upload=used.upload, download=used.download, total=used.total)


def _sum_usage(values):
    total = DataUsage()
    for used in values:
        total = total + used
    return total


def _limit_share(total, limit):
    """``total`` bytes as a percentage of a data limit in megabytes, to one decimal."""
    return round(100.0 * total / (limit * BYTES_PER_MB), 1)


def usage_report(data, sims, products, moment, usage_days, data_limit_percent):
    """The usage part of the report (see RETURN, usage) and the totals it adds; None when no usage was listed."""
    if data.get("usage") is None:
        return None
    start = moment - datetime.timedelta(days=usage_days)
    per_sim = usage_by_sim(records(data, "usage"))
    # Every Super SIM is covered by the account-wide listing; wireless SIMs only when their usage was listed one by one.
    listed = set(text(sid) for sid in data.get("wireless_usage_sims") or [])
    covered = [(product, record, entry) for product, record, entry in sims
               if product == "supersim" or entry["sid"] in listed]
    used = dict((entry["sid"], per_sim.get(entry["sid"], DataUsage())) for dummy, record, entry in covered)

    talkers = [_with_usage(entry, used[entry["sid"]]) for dummy, record, entry in covered if used[entry["sid"]].total > 0]
    talkers.sort(key=lambda e: (-e["total"], e["sid"] or ""))
    zero = [entry for dummy, record, entry in covered
            if entry["status"] == "active" and used[entry["sid"]].total == 0 and created_by(record, start)]
    zero.sort(key=lambda e: (e["product"], e["unique_name"] is None, e["unique_name"] or "", e["sid"] or ""))

    fleets = []
    supersim = [entry for product, dummy, entry in covered if product == "supersim"]
    for record in records(data, "fleets") if "supersim" in products else []:
        sid = text(record.get("sid"))
        members = [entry for entry in supersim if entry["group"] == sid]
        limit = record.get("data_limit")
        limited = not isinstance(limit, bool) and isinstance(limit, (int, float)) and limit > 0
        totals = _sum_usage(used[entry["sid"]] for entry in members)
        largest = max([used[entry["sid"]].total for entry in members] or [0])
        over = [entry for entry in members
                if limited and used[entry["sid"]].total > limit * BYTES_PER_MB * data_limit_percent / 100.0]
        fleets.append({
            "sid": sid, "unique_name": text(record.get("unique_name")), "data_enabled": record.get("data_enabled"),
            "data_limit": limit if limited else None, "sims": len(members),
            "sims_with_data": sum(1 for entry in members if used[entry["sid"]].total > 0),
            "upload": totals.upload, "download": totals.download, "total": totals.total,
            "largest_sim_total": largest,
            "largest_limit_percent": _limit_share(largest, limit) if limited else None,
            "average_limit_percent": _limit_share(totals.total / float(len(members)), limit) if limited and members else None,
            "sims_over_limit_percent": [_with_usage(entry, used[entry["sid"]]) for entry in
                                        sorted(over, key=lambda e: (-used[e["sid"]].total, e["sid"] or ""))],
        })
    fleets.sort(key=lambda f: (f["unique_name"] is None, f["unique_name"] or "", f["sid"] or ""))

    wireless = None
    if "wireless" in products:
        account = records(data, "wireless_usage")
        wireless = {
            "account": usage_total(account).as_dict() if data.get("wireless_usage") is not None else None,
            "per_sim": bool(listed),
            "sims_listed": sum(1 for product, dummy, entry in covered if product == "wireless"),
            "active_sims": sum(1 for product, dummy, entry in sims if product == "wireless" and entry["status"] == "active"),
        }
    supersim_total = _sum_usage(used[entry["sid"]] for entry in supersim)
    report = {
        "window": {"start": iso(start), "end": iso(moment), "days": usage_days},
        "data_limit_percent": data_limit_percent,
        "supersim": dict(supersim_total.as_dict(), sims=len(supersim),
                         sims_with_data=sum(1 for entry in supersim if used[entry["sid"]].total > 0))
        if "supersim" in products else None,
        "wireless": wireless,
        "top_talkers": talkers,
        "zero_usage": zero,
        "fleets": fleets,
    }
    totals = {
        "data_total": sum(used.values(), DataUsage()).total,
        "sims_with_data": len(talkers),
        "zero_usage_sims": len(zero),
        "sims_over_data_limit_percent": sum(len(f["sims_over_limit_percent"]) for f in fleets),
    }
    return report, totals


def chart_values(report):
    """The bars of the usage charts of audit.html, each chart a list of {key: label, value: number} in display
    order."""
    usage = report.get("usage")
    if not usage:
        return {}

    def bars(pairs):
        return [{"key": label, "value": value} for label, value in pairs]
    return {
        "top_talkers_mb": bars((e["unique_name"] or e["sid"], megabytes(e["total"])) for e in usage["top_talkers"][:10]),
        "fleet_data_mb": bars((f["unique_name"] or f["sid"], megabytes(f["total"])) for f in usage["fleets"]),
        "fleet_largest_limit_percent": bars((f["unique_name"] or f["sid"], f["largest_limit_percent"])
                                            for f in usage["fleets"] if f["largest_limit_percent"] is not None),
    }


def summarize(data, window_days=7, recent_days=7, silent_statuses=None, products=None, now=None, data_limit_percent=90):
    """The audit report (a plain dict); see RETURN."""
    window_days = AUDIT_OPTIONS["window_days"](window_days, "window_days")
    data_limit_percent = AUDIT_OPTIONS["data_limit_percent"](data_limit_percent, "data_limit_percent")
    recent_days = AUDIT_OPTIONS["recent_days"](recent_days, "recent_days")
    silent_statuses = AUDIT_OPTIONS["silent_statuses"](
        ["active"] if silent_statuses is None else silent_statuses, "silent_statuses")
    products = AUDIT_OPTIONS["products"](PRODUCTS if products is None else products, "products")
    moment = reference_time(now)
    start = moment - datetime.timedelta(days=window_days)
    recent_start = moment - datetime.timedelta(days=recent_days)

    sims = fleet_sims(data, products)
    names = group_names(data)
    for dummy, record, entry in sims:
        entry["group_name"] = names.get(entry["group"])
    wireless = [entry for product, dummy, entry in sims if product == "wireless"]
    supersim = [entry for product, dummy, entry in sims if product == "supersim"]
    supersim_by_sid = dict((entry["sid"], entry) for entry in supersim)

    recently_changed = _sort_updated(
        entry for dummy, record, entry in sims if in_window(record, recent_start, "date_updated"))

    profiles = records(data, "esim_profiles") if "supersim" in products else []
    failed_profiles = [{
        "sid": text(p.get("sid")),
        "sim_sid": text(p.get("sim_sid")),
        "iccid": text(p.get("iccid")),
        "eid": text(p.get("eid")),
        "error_code": text(p.get("error_code")),
        "error_message": text(p.get("error_message")),
        "date_updated": text(p.get("date_updated")),
    } for p in profiles if p.get("status") == "failed"]
    failed_profiles.sort(key=lambda p: (-_timestamp(p["date_updated"]), p["sid"] or ""))

    if "supersim" in products:
        ip_commands, sms_commands = window_commands(data, start)
    else:
        ip_commands, sms_commands = [], []
    ip_by_sim, sms_by_sim = by_sim(ip_commands), by_sim(sms_commands)
    failed_by_sim = []
    for sid in set(ip_by_sim) | set(sms_by_sim):
        failed_ip = sum(1 for c in ip_by_sim.get(sid, ()) if c.get("status") == "failed")
        failed_sms = sum(1 for c in sms_by_sim.get(sid, ()) if c.get("status") == "failed")
        if failed_ip or failed_sms:
            sim = supersim_by_sid.get(sid) or {}
            failed_by_sim.append({
                "sid": sid, "unique_name": sim.get("unique_name"), "iccid": sim.get("iccid"),
                "failed_ip": failed_ip, "failed_sms": failed_sms, "failed": failed_ip + failed_sms,
                "total": len(ip_by_sim.get(sid, ())) + len(sms_by_sim.get(sid, ())),
            })
    failed_by_sim.sort(key=lambda e: (-e["failed"], -e["total"], e["sid"] or ""))

    silent = [entry for entry in supersim
              if entry["status"] in silent_statuses and entry["sid"] not in ip_by_sim and entry["sid"] not in sms_by_sim]
    silent.sort(key=lambda e: (e["unique_name"] is None, e["unique_name"] or "", e["sid"] or ""))

    all_commands = ip_commands + sms_commands
    usage_days = min(window_days, USAGE_MAX_DAYS)
    usage = usage_report(data, sims, products, moment, usage_days, data_limit_percent)
    report = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso(moment),
        "parameters": {
            "window_days": window_days, "recent_days": recent_days,
            "silent_statuses": silent_statuses, "products": products, "data_limit_percent": data_limit_percent,
        },
        "window": {"start": iso(start), "end": iso(moment)},
        "totals": {
            "sims": len(sims),
            "wireless_sims": len(wireless),
            "supersim_sims": len(supersim),
            "esim_profiles": len(profiles),
            "esim_profiles_failed": len(failed_profiles),
            "ip_commands": len(ip_commands),
            "sms_commands": len(sms_commands),
            "failed_commands": sum(1 for c in all_commands if c.get("status") == "failed"),
            "sims_with_failed_commands": len(failed_by_sim),
            "recently_changed": len(recently_changed),
            "silent_sims": len(silent),
        },
        "sims": {
            "by_status": {
                "wireless": counts(e["status"] for e in wireless),
                "supersim": counts(e["status"] for e in supersim),
                "all": counts(sim[2]["status"] for sim in sims),
            },
            "by_rate_plan": counts(e["group"] for e in wireless),
            "by_fleet": counts(e["group"] for e in supersim),
            "by_rate_plan_name": named_counts(counts(e["group"] for e in wireless), names),
            "by_fleet_name": named_counts(counts(e["group"] for e in supersim), names),
        },
        "recently_changed": recently_changed,
        "esim_profiles": {
            "by_status": counts(p.get("status") for p in profiles),
            "failed_by_error_code": counts(p["error_code"] for p in failed_profiles),
            "failed": failed_profiles,
        },
        "commands": {
            "ip": command_block(ip_commands),
            "sms": command_block(sms_commands),
            "by_status": counts(c.get("status") for c in all_commands),
            "failed_by_sim": failed_by_sim,
        },
        "silent_sims": silent,
        "usage": usage[0] if usage else None,
    }
    if usage:
        report["totals"].update(usage[1])
    report["charts"] = chart_values(report)
    return report


def audit_summary(data, window_days=7, recent_days=7, silent_statuses=None, products=None, now=None, data_limit_percent=90):
    return unsafe(summarize(data, window_days=window_days, recent_days=recent_days, silent_statuses=silent_statuses,
                            products=products, now=now, data_limit_percent=data_limit_percent))


class FilterModule(object):
    def filters(self):
        return {"audit_summary": audit_summary}
