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
  - Only the fields listed in the return value are copied into the summary, so secrets such as an eSIM profile's
    C(activation_code) never reach a report, even when the input holds them.
  - Runs in Python, so fleets of many thousands of SIMs are summarized in well under a second.
options:
  _input:
    description:
      - The fleet as a dictionary with the keys C(wireless_sims), C(supersim_sims), C(esim_profiles),
        C(ip_commands) and C(sms_commands), each a list of records as returned by the info modules
        (C(sims), C(sims), C(esim_profiles), C(ip_commands), C(sms_commands)). Missing keys count as empty lists.
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
      C(group) (rate plan SID for C(wireless), fleet SID for C(supersim)), C(date_created) and C(date_updated).
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
      description: C(window_days), C(recent_days), C(silent_statuses) and C(products) as used.
      type: dict
    window:
      description: C(start) and C(end) (ISO 8601 UTC) of the command window.
      type: dict
    totals:
      description:
        - C(sims), C(wireless_sims), C(supersim_sims), C(esim_profiles), C(esim_profiles_failed), C(ip_commands),
          C(sms_commands) and C(failed_commands) (commands in the window), C(recently_changed), C(silent_sims),
          C(sims_with_failed_commands).
      type: dict
    sims:
      description:
        - C(by_status) (C(wireless), C(supersim) and C(all), each status to count), C(by_rate_plan) (wireless
          SIMs per rate plan SID) and C(by_fleet) (Super SIMs per fleet SID).
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
"""

import datetime
from collections import Counter

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import (
    AUDIT_OPTIONS,
    PRODUCTS,
    SCHEMA_VERSION,
    by_sim,
    fleet_sims,
    in_window,
    iso,
    parse_time,
    records,
    reference_time,
    text,
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


def summarize(data, window_days=7, recent_days=7, silent_statuses=None, products=None, now=None):
    """The audit report (a plain dict); see RETURN."""
    window_days = AUDIT_OPTIONS["window_days"](window_days, "window_days")
    recent_days = AUDIT_OPTIONS["recent_days"](recent_days, "recent_days")
    silent_statuses = AUDIT_OPTIONS["silent_statuses"](
        ["active"] if silent_statuses is None else silent_statuses, "silent_statuses")
    products = AUDIT_OPTIONS["products"](PRODUCTS if products is None else products, "products")
    moment = reference_time(now)
    start = moment - datetime.timedelta(days=window_days)
    recent_start = moment - datetime.timedelta(days=recent_days)

    sims = fleet_sims(data, products)
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
    report = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso(moment),
        "parameters": {
            "window_days": window_days, "recent_days": recent_days,
            "silent_statuses": silent_statuses, "products": products,
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
    }
    return report


def audit_summary(data, window_days=7, recent_days=7, silent_statuses=None, products=None, now=None):
    return unsafe(summarize(data, window_days=window_days, recent_days=recent_days,
                            silent_statuses=silent_statuses, products=products, now=now))


class FilterModule(object):
    def filters(self):
        return {"audit_summary": audit_summary}
