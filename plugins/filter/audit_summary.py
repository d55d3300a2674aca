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
    without any command in the window (C(no_command_sims)).
  - Every finding is named once, with its test and window, in the collection's vocabulary; C(findings) lists the
    headline figures with their names, labels ("no data in 7 days"), windows and what they cover.
  - With usage records in the input, it adds data usage of the usage window (the last O(window_days) days, at most
    31) for both products, each labelled - Super SIMs per SIM from one listing (complete), Programmable Wireless as the
    account total - with Super SIM top talkers, active Super SIMs without data (created before the window) and each
    fleet's C(data_limit) against its Super SIMs' usage. Wireless SIMs read one by one are a sample, reported apart
    (C(usage.wireless.sample)) and never added to a fleet figure. Rate plans and fleets are shown by unique name
    when the input lists them.
  - SIM statuses are counted in lifecycle order (the order of the statuses in the collection's endpoint table).
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
  no_command_statuses:
    description:
      - Super SIMs in one of these statuses, created before the command window, without any IP or SMS command in it
        are listed under C(no_command_sims) (the finding C(no_commands), "no IP or SMS command in N days").
      - A comma-separated string is read as a list.
    type: list
    elements: str
    choices: [new, ready, active, inactive, scheduled]
    default: [active]
    version_added: 2.0.0
  history:
    description:
      - Earlier audit reports (the contents of their C(audit.json)), in any order, for C(trend). Entries that are no
        audit report are ignored.
    type: list
    elements: dict
    default: []
    version_added: 2.0.0
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
         | simfleet.twilio.audit_summary(window_days=14, recent_days=3, no_command_statuses=['active']) }}

- name: Show the status counts
  ansible.builtin.debug:
    msg: "{{ fleet_audit.sims.by_status.all }}"
"""

RETURN = r"""
_value:
  description:
    - The audit summary, the schema of C(audit.json) (C(schema_version) 2). Counts are dictionaries of a value
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
      sample: 2
    generated_at:
      description: The reference time of the report, ISO 8601 UTC.
      type: str
    parameters:
      description: C(window_days), C(recent_days), C(no_command_statuses), C(products) and C(data_limit_percent) as used.
      type: dict
    window:
      description: C(start) and C(end) (ISO 8601 UTC) of the command window.
      type: dict
    totals:
      description:
        - C(sims), C(wireless_sims), C(supersim_sims), C(esim_profiles), C(esim_profiles_failed), C(ip_commands),
          C(sms_commands) and C(failed_commands) (commands in the window), C(recently_changed), C(no_command_sims),
          C(sims_with_failed_commands); with usage also C(data_total) (bytes of both products, the Programmable
          Wireless account total plus every Super SIM), C(wireless_data_total), C(supersim_data_total),
          C(supersim_sims_with_data), C(no_data_sims) (active Super SIMs without data), C(wireless_sample_sims) and
          C(wireless_sample_no_data_sims) (the sample, apart) and C(sims_over_data_limit_percent); a figure of a
          product not audited is null.
      type: dict
    sims:
      description:
        - C(status_order) (the lifecycle order of SIM statuses), C(by_status) (C(wireless), C(supersim) and C(all),
          each status to count, in lifecycle order), C(by_rate_plan) (wireless
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
    no_command_sims:
      description:
        - Super SIMs in O(no_command_statuses), created before the command window, without any IP or SMS command in
          it (the finding C(no_commands)).
      type: list
      elements: dict
    usage:
      description:
        - Null without usage records in the input. Otherwise C(window) (C(start), C(end), C(days)),
          C(data_limit_percent), C(all_products) (C(upload), C(download), C(total) of the products with a complete
          figure, named in C(products)), C(supersim) (C(sims), C(sims_with_data), C(no_data_sims), C(upload),
          C(download), C(total), C(coverage)), C(wireless) (C(account), the account totals; C(coverage); C(per_sim),
          whether a sample was read; C(sims_listed); C(active_sims); C(sample), null or the sample's C(sims),
          C(of_active_sims), C(chosen), C(sims_with_data), C(upload), C(download), C(total), C(top_talkers) and
          C(no_data)), C(top_talkers) (every Super SIM with data, most data first), C(no_data) (active Super SIMs
          created before the window without data, the finding C(no_data)) and C(fleets) (per fleet C(sid),
          C(unique_name), C(data_enabled), C(data_limit), C(sims), C(sims_with_data), C(upload), C(download),
          C(total), C(largest_sim_total), C(largest_limit_percent), C(average_limit_percent) and
          C(sims_over_limit_percent), the SIMs above O(data_limit_percent) of the limit).
      type: dict
    findings:
      description:
        - The headline findings, each with C(key) (its figure in C(totals)), C(name) (its term), C(label) (with its
          window, such as C(no data in 7 days)), C(test), C(window), C(window_days), C(description), C(product),
          C(count) and C(scope) (what it covers; a sample says so).
      type: list
      elements: dict
    trend:
      description:
        - C(runs), C(statuses) and C(points), one per run of O(history) and this one, oldest first, each with C(at),
          C(data_mb_per_day), C(wireless_data_mb_per_day), C(supersim_data_mb_per_day), C(no_data_sims),
          C(no_command_sims) and C(by_status) (every SIM status to count).
      type: dict
    charts:
      description:
        - The bars of the usage charts of C(audit.html), C(data_by_product_mb), C(top_talkers_mb) (Super SIMs),
          C(wireless_sample_top_talkers_mb) (the sample), C(fleet_data_mb) and C(fleet_largest_limit_percent), each
          a list of C(key) (label) and C(value); empty without usage.
      type: dict
"""

import datetime
from collections import Counter

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import PRODUCT_NAMES
from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import (
    AUDIT_DEFAULTS,
    AUDIT_OPTIONS,
    AUDIT_SCHEMA_VERSION,
    BYTES_PER_MB,
    SIM_STATUS_ORDER,
    USAGE_MAX_DAYS,
    DataUsage,
    by_sim,
    created_by,
    fleet_sims,
    in_order,
    in_window,
    iso,
    megabytes,
    parse_time,
    records,
    reference_time,
    text,
    usage_by_sim,
    usage_total,
    whole_number,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._report_page import PAGE_SIZE, page, trend_svg
from ansible_collections.simfleet.twilio.plugins.plugin_utils._terms import term
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


def _talker_order(entry):
    return (-entry["total"], entry["sid"] or "")


def _name_order(entry):
    return (entry["product"], entry["unique_name"] is None, entry["unique_name"] or "", entry["sid"] or "")


def usage_report(data, sims, products, moment, usage_days, data_limit_percent):
    """The usage part of the report (see RETURN, usage) and the totals it adds; None when no usage was listed.

    Fleet figures come from complete listings only: every Super SIM (one listing grouped by SIM) and the Programmable
    Wireless account total. Wireless SIMs read one by one are a sample: their figures stay under wireless.sample and
    never enter a fleet figure.
    """
    if data.get("usage") is None:
        return None
    start = moment - datetime.timedelta(days=usage_days)
    per_sim = usage_by_sim(records(data, "usage"))
    listed = set(text(sid) for sid in data.get("wireless_usage_sims") or [])

    def used(entry):
        return per_sim.get(entry["sid"], DataUsage())

    def quiet(items):
        """The active SIMs of items without data, created before the window: the finding no_data."""
        found = [entry for dummy, record, entry in items
                 if entry["status"] == "active" and used(entry).total == 0 and created_by(record, start)]
        return sorted(found, key=_name_order)

    def talkers(items):
        return sorted((_with_usage(entry, used(entry)) for dummy, record, entry in items if used(entry).total > 0),
                      key=_talker_order)

    supersim_sims = [sim for sim in sims if sim[0] == "supersim"]
    supersim = [entry for dummy, record, entry in supersim_sims]
    fleets = []
    for record in records(data, "fleets") if "supersim" in products else []:
        sid = text(record.get("sid"))
        members = [entry for entry in supersim if entry["group"] == sid]
        limit = record.get("data_limit")
        limited = not isinstance(limit, bool) and isinstance(limit, (int, float)) and limit > 0
        totals = _sum_usage(used(entry) for entry in members)
        largest = max([used(entry).total for entry in members] or [0])
        over = [entry for entry in members if limited and used(entry).total > limit * BYTES_PER_MB * data_limit_percent / 100.0]
        fleets.append({
            "sid": sid, "unique_name": text(record.get("unique_name")), "data_enabled": record.get("data_enabled"),
            "data_limit": limit if limited else None, "sims": len(members),
            "sims_with_data": sum(1 for entry in members if used(entry).total > 0),
            "upload": totals.upload, "download": totals.download, "total": totals.total,
            "largest_sim_total": largest,
            "largest_limit_percent": _limit_share(largest, limit) if limited else None,
            "average_limit_percent": _limit_share(totals.total / float(len(members)), limit) if limited and members else None,
            "sims_over_limit_percent": [_with_usage(entry, used(entry)) for entry in
                                        sorted(over, key=lambda e: (-used(e).total, e["sid"] or ""))],
        })
    fleets.sort(key=lambda f: (f["unique_name"] is None, f["unique_name"] or "", f["sid"] or ""))

    supersim_report = None
    supersim_no_data, supersim_talkers = [], []
    if "supersim" in products:
        supersim_no_data, supersim_talkers = quiet(supersim_sims), talkers(supersim_sims)
        supersim_report = dict(_sum_usage(used(entry) for entry in supersim).as_dict(), sims=len(supersim),
                               sims_with_data=len(supersim_talkers), no_data_sims=len(supersim_no_data),
                               coverage="every Super SIM")

    wireless = None
    if "wireless" in products:
        wireless_sims = [sim for sim in sims if sim[0] == "wireless"]
        sample_sims = [sim for sim in wireless_sims if sim[2]["sid"] in listed]
        account = usage_total(records(data, "wireless_usage")).as_dict() if data.get("wireless_usage") is not None else None
        active = sum(1 for dummy, record, entry in wireless_sims if entry["status"] == "active")
        sample = None
        if listed:
            sample_talkers = talkers(sample_sims)
            sample = dict(_sum_usage(used(entry) for dummy, record, entry in sample_sims).as_dict(),
                          sims=len(sample_sims), of_active_sims=active, sims_with_data=len(sample_talkers),
                          top_talkers=sample_talkers, no_data=quiet(sample_sims),
                          chosen="the first %d active SIMs by SID" % len(sample_sims))
        wireless = {
            "account": account,
            "coverage": "the account total (no per-SIM listing)",
            "per_sim": bool(listed),
            "sims_listed": len(sample_sims),
            "active_sims": active,
            "sample": sample,
        }

    parts = []
    if supersim_report is not None:
        parts.append(("supersim", supersim_report))
    if wireless is not None and wireless["account"] is not None:
        parts.append(("wireless", wireless["account"]))
    all_products = dict(_sum_usage(DataUsage(p["upload"], p["download"], p["total"]) for dummy, p in parts).as_dict(),
                        products=[name for name, dummy in parts])
    report = {
        "window": {"start": iso(start), "end": iso(moment), "days": usage_days},
        "data_limit_percent": data_limit_percent,
        "all_products": all_products,
        "supersim": supersim_report,
        "wireless": wireless,
        "top_talkers": supersim_talkers,
        "no_data": supersim_no_data,
        "fleets": fleets,
    }
    totals = {
        "data_total": all_products["total"],
        "supersim_data_total": supersim_report["total"] if supersim_report else None,
        "wireless_data_total": wireless["account"]["total"] if wireless and wireless["account"] else None,
        "supersim_sims_with_data": len(supersim_talkers) if supersim_report else None,
        "no_data_sims": len(supersim_no_data) if supersim_report else None,
        "wireless_sample_sims": wireless["sims_listed"] if wireless else None,
        "wireless_sample_no_data_sims": len(wireless["sample"]["no_data"]) if wireless and wireless["sample"] else None,
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
    products = []
    if usage["wireless"] and usage["wireless"]["account"] is not None:
        products.append((PRODUCT_NAMES["wireless"], megabytes(usage["wireless"]["account"]["total"])))
    if usage["supersim"]:
        products.append((PRODUCT_NAMES["supersim"], megabytes(usage["supersim"]["total"])))
    sample = (usage["wireless"] or {}).get("sample") or {}
    return {
        "data_by_product_mb": bars(products),
        "top_talkers_mb": bars((e["unique_name"] or e["sid"], megabytes(e["total"])) for e in usage["top_talkers"][:10]),
        "wireless_sample_top_talkers_mb": bars((e["unique_name"] or e["sid"], megabytes(e["total"]))
                                               for e in (sample.get("top_talkers") or [])[:10]),
        "fleet_data_mb": bars((f["unique_name"] or f["sid"], megabytes(f["total"])) for f in usage["fleets"]),
        "fleet_largest_limit_percent": bars((f["unique_name"] or f["sid"], f["largest_limit_percent"])
                                            for f in usage["fleets"] if f["largest_limit_percent"] is not None),
    }


def findings(report):
    """The headline figures of the report, each with its term (one vocabulary: _terms.TERMS), window and count, and
    whether it is complete or covers a sample."""
    params = report["parameters"]
    result = [
        dict(term("no_commands").as_dict(params["window_days"]), key="no_command_sims", product="supersim",
             count=report["totals"]["no_command_sims"], scope="every Super SIM in status %s" % "/".join(params["no_command_statuses"] or ["none"])),
        dict(term("failed_commands").as_dict(params["window_days"]), key="failed_commands", product="supersim",
             count=report["totals"]["failed_commands"], scope="every command"),
        dict(term("recently_changed").as_dict(params["recent_days"]), key="recently_changed", product="all",
             count=report["totals"]["recently_changed"], scope="every SIM"),
        dict(term("esim_profile_failed").as_dict(), key="esim_profiles_failed", product="supersim",
             count=report["totals"]["esim_profiles_failed"], scope="every eSIM profile"),
    ]
    usage = report["usage"]
    if usage:
        days_ = usage["window"]["days"]
        if usage["supersim"]:
            result.append(dict(term("no_data").as_dict(days_), key="no_data_sims", product="supersim",
                               count=usage["supersim"]["no_data_sims"], scope="every active Super SIM"))
            result.append(dict(term("with_data").as_dict(days_), key="supersim_sims_with_data", product="supersim",
                               count=usage["supersim"]["sims_with_data"], scope="every Super SIM"))
            result.append(dict(term("over_data_limit").as_dict(days_, percent=usage["data_limit_percent"]),
                               key="sims_over_data_limit_percent", product="supersim",
                               count=report["totals"]["sims_over_data_limit_percent"], scope="every Super SIM of a fleet with a data limit"))
        sample = (usage["wireless"] or {}).get("sample")
        if sample:
            result.append(dict(term("no_data").as_dict(days_), key="wireless_sample_no_data_sims", product="wireless",
                               count=len(sample["no_data"]),
                               scope="a sample: %d of %d active Programmable Wireless SIMs" % (sample["sims"], sample["of_active_sims"])))
    return result


def trend_point(report):
    """The figures of one report that the trend follows; None for something that is no audit report."""
    if not isinstance(report, dict) or not report.get("generated_at") or not isinstance(report.get("totals"), dict):
        return None
    totals = report["totals"]
    usage = report.get("usage") if isinstance(report.get("usage"), dict) else None
    usage_days = (usage or {}).get("window", {}).get("days") if usage else None
    modern = report.get("schema_version") == AUDIT_SCHEMA_VERSION

    def per_day(key):
        value = totals.get(key) if modern else None
        if not usage_days or not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        return round(value / float(usage_days) / BYTES_PER_MB, 2)
    by_status = ((report.get("sims") or {}).get("by_status") or {}).get("all") or {}
    return {
        "at": text(report["generated_at"]),
        "data_mb_per_day": per_day("data_total"),
        "wireless_data_mb_per_day": per_day("wireless_data_total"),
        "supersim_data_mb_per_day": per_day("supersim_data_total"),
        "no_data_sims": totals.get("no_data_sims") if modern else None,
        "no_command_sims": totals.get("no_command_sims") if modern else None,
        "by_status": dict((text(k), v) for k, v in by_status.items() if isinstance(v, int)),
    }


def trend(history, report):
    """The trend of the headline figures over the previous reports (``history``, audit.json contents, in any order)
    and this one, oldest first, one point per generated_at (this report's wins)."""
    if history is None:
        history = []
    if not isinstance(history, (list, tuple)):
        raise AnsibleFilterError("history must be a list of earlier audit reports (the contents of audit.json), got %s"
                                 % type(history).__name__)
    points = {}
    for earlier in history:
        point = trend_point(earlier)
        if point is not None:
            points[point["at"]] = point
    current = trend_point(report)
    points[current["at"]] = current
    ordered = sorted(points.values(), key=lambda p: _timestamp(p["at"]))
    statuses = in_order(dict((status, 0) for p in ordered for status in p["by_status"]), SIM_STATUS_ORDER["all"])
    return {"runs": len(ordered), "points": ordered, "statuses": list(statuses)}


def summarize(data, window_days=AUDIT_DEFAULTS["window_days"], recent_days=AUDIT_DEFAULTS["recent_days"],
              no_command_statuses=None, products=None, now=None, data_limit_percent=AUDIT_DEFAULTS["data_limit_percent"],
              history=None):
    """The audit report (a plain dict); see RETURN."""
    window_days = AUDIT_OPTIONS["window_days"](window_days, "window_days")
    data_limit_percent = AUDIT_OPTIONS["data_limit_percent"](data_limit_percent, "data_limit_percent")
    recent_days = AUDIT_OPTIONS["recent_days"](recent_days, "recent_days")
    no_command_statuses = AUDIT_OPTIONS["no_command_statuses"](
        AUDIT_DEFAULTS["no_command_statuses"] if no_command_statuses is None else no_command_statuses, "no_command_statuses")
    products = AUDIT_OPTIONS["products"](AUDIT_DEFAULTS["products"] if products is None else products, "products")
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

    # The finding no_commands: a Super SIM in one of the statuses, created before the window, without any command.
    talking = set(ip_by_sim) | set(sms_by_sim)

    def without_commands(record, entry):
        if entry["product"] != "supersim" or entry["status"] not in no_command_statuses or entry["sid"] in talking:
            return False
        return created_by(record, start)

    no_commands = [entry for dummy, record, entry in sims if without_commands(record, entry)]
    no_commands.sort(key=lambda e: (e["unique_name"] is None, e["unique_name"] or "", e["sid"] or ""))

    all_commands = ip_commands + sms_commands
    usage_days = min(window_days, USAGE_MAX_DAYS)
    usage = usage_report(data, sims, products, moment, usage_days, data_limit_percent)
    report = {
        "schema_version": AUDIT_SCHEMA_VERSION,
        "generated_at": iso(moment),
        "parameters": {
            "window_days": window_days, "recent_days": recent_days,
            "no_command_statuses": no_command_statuses, "products": products, "data_limit_percent": data_limit_percent,
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
            "no_command_sims": len(no_commands),
        },
        "sims": {
            "status_order": list(SIM_STATUS_ORDER["all"]),
            "by_status": {
                "wireless": in_order(counts(e["status"] for e in wireless), SIM_STATUS_ORDER["wireless"]),
                "supersim": in_order(counts(e["status"] for e in supersim), SIM_STATUS_ORDER["supersim"]),
                "all": in_order(counts(sim[2]["status"] for sim in sims), SIM_STATUS_ORDER["all"]),
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
        "no_command_sims": no_commands,
        "usage": usage[0] if usage else None,
    }
    if usage:
        report["totals"].update(usage[1])
    report["charts"] = chart_values(report)
    report["findings"] = findings(report)
    report["trend"] = trend(history, report)
    return report


# The tables of audit.html, each also written as a CSV beside it: (id, source, columns). A source is a function of
# the report giving the rows.
SIM_COLUMNS = ({"key": "product", "label": "Product"}, {"key": "sid", "label": "SID", "kind": "sid"},
               {"key": "unique_name", "label": "Unique name"}, {"key": "iccid", "label": "ICCID", "kind": "sid"},
               {"key": "status", "label": "Status", "kind": "tag"},
               {"key": "group_label", "label": "Rate plan / fleet"}, {"key": "date_updated", "label": "Updated"})
USAGE_COLUMNS = ({"key": "product", "label": "Product"}, {"key": "sid", "label": "SID", "kind": "sid"},
                 {"key": "unique_name", "label": "Unique name"}, {"key": "group_label", "label": "Rate plan / fleet"},
                 {"key": "upload", "label": "Upload (MB)", "kind": "mb"},
                 {"key": "download", "label": "Download (MB)", "kind": "mb"},
                 {"key": "total", "label": "Total (MB)", "kind": "mb"})


def _sims(rows):
    return [dict(row, group_label=row.get("group_name") or row.get("group")) for row in rows]


def _count_rows(count_by_key, **columns):
    return [dict(key=key, **dict((name, source.get(key, 0)) for name, source in columns.items()))
            for key in count_by_key]


def audit_tables(report):
    """Every table of audit.html as a table description of _report_page (id, columns, rows)."""
    usage = report.get("usage") or {}
    sample = (usage.get("wireless") or {}).get("sample") or {}
    by_status = report["sims"]["by_status"]
    commands = report["commands"]
    tables = [
        {"id": "by-status", "columns": ({"key": "key", "label": "Status", "kind": "tag"},
                                        {"key": "wireless", "label": "Wireless", "kind": "num"},
                                        {"key": "supersim", "label": PRODUCT_NAMES["supersim"], "kind": "num"},
                                        {"key": "all", "label": "All", "kind": "num"}),
         "rows": _count_rows(by_status["all"], wireless=by_status["wireless"], supersim=by_status["supersim"],
                             all=by_status["all"])},
        {"id": "by-rate-plan", "columns": ({"key": "key", "label": "Rate plan"}, {"key": "n", "label": "Wireless SIMs", "kind": "num"}),
         "rows": _count_rows(report["sims"]["by_rate_plan_name"], n=report["sims"]["by_rate_plan_name"])},
        {"id": "by-fleet", "columns": ({"key": "key", "label": "Fleet"}, {"key": "n", "label": "Super SIMs", "kind": "num"}),
         "rows": _count_rows(report["sims"]["by_fleet_name"], n=report["sims"]["by_fleet_name"])},
        {"id": "command-outcomes", "columns": ({"key": "key", "label": "Command status", "kind": "tag"},
                                               {"key": "ip", "label": "IP", "kind": "num"},
                                               {"key": "sms", "label": "SMS", "kind": "num"},
                                               {"key": "all", "label": "All", "kind": "num"}),
         "rows": _count_rows(commands["by_status"], ip=commands["ip"]["by_status"], sms=commands["sms"]["by_status"],
                             all=commands["by_status"])},
        {"id": "findings-table", "columns": ({"key": "label", "label": "Finding"}, {"key": "name", "label": "Name"},
                                             {"key": "product", "label": "Product"},
                                             {"key": "count", "label": "SIMs or records", "kind": "num"},
                                             {"key": "window_days", "label": "Window (days)", "kind": "num"},
                                             {"key": "scope", "label": "Covers"},
                                             {"key": "test", "label": "Test", "kind": "text-long"}),
         "rows": report["findings"]},
        {"id": "failed-commands-table", "columns": (
            {"key": "sid", "label": "SID", "kind": "sid"}, {"key": "unique_name", "label": "Unique name"},
            {"key": "iccid", "label": "ICCID", "kind": "sid"}, {"key": "failed_ip", "label": "Failed IP", "kind": "num"},
            {"key": "failed_sms", "label": "Failed SMS", "kind": "num"}, {"key": "failed", "label": "Failed", "kind": "num"},
            {"key": "total", "label": "Commands", "kind": "num"}),
         "rows": commands["failed_by_sim"]},
        {"id": "esim-error-codes", "columns": ({"key": "key", "label": "Error code"}, {"key": "n", "label": "Profiles", "kind": "num"}),
         "rows": _count_rows(report["esim_profiles"]["failed_by_error_code"], n=report["esim_profiles"]["failed_by_error_code"])},
        {"id": "esim-failed-table", "columns": (
            {"key": "sid", "label": "Profile", "kind": "sid"}, {"key": "sim_sid", "label": "SIM", "kind": "sid"},
            {"key": "iccid", "label": "ICCID", "kind": "sid"}, {"key": "eid", "label": "EID", "kind": "sid"},
            {"key": "error_code", "label": "Error code"}, {"key": "error_message", "label": "Error message", "kind": "text-long"},
            {"key": "date_updated", "label": "Updated"}),
         "rows": report["esim_profiles"]["failed"]},
        {"id": "recently-changed-table", "columns": SIM_COLUMNS, "rows": _sims(report["recently_changed"])},
        {"id": "no-command-table", "columns": SIM_COLUMNS, "rows": _sims(report["no_command_sims"])},
    ]
    if usage:
        product_rows = []
        if usage.get("supersim"):
            product_rows.append(dict(usage["supersim"], product=PRODUCT_NAMES["supersim"], coverage="every Super SIM (complete)"))
        if usage.get("wireless") and usage["wireless"]["account"] is not None:
            product_rows.append(dict(usage["wireless"]["account"], product=PRODUCT_NAMES["wireless"], sims=None,
                                     sims_with_data=None, no_data_sims=None,
                                     coverage="account total (per-SIM figures not listed)"))
        if len(product_rows) > 1:
            product_rows.append(dict(usage["all_products"], product="All products", coverage="sum of the rows above"))
        limit_percent = usage["data_limit_percent"]
        tables += [
            {"id": "usage-products", "columns": (
                {"key": "product", "label": "Product"}, {"key": "coverage", "label": "Covers"},
                {"key": "sims", "label": "SIMs", "kind": "num"},
                {"key": "sims_with_data", "label": "With data", "kind": "num"},
                {"key": "no_data_sims", "label": "Active, no data", "kind": "num"},
                {"key": "upload", "label": "Upload (MB)", "kind": "mb"}, {"key": "download", "label": "Download (MB)", "kind": "mb"},
                {"key": "total", "label": "Total (MB)", "kind": "mb"}),
             "rows": product_rows},
            {"id": "top-talkers-table", "columns": USAGE_COLUMNS, "rows": _sims(usage["top_talkers"])},
            {"id": "no-data-table", "columns": SIM_COLUMNS, "rows": _sims(usage["no_data"])},
            {"id": "wireless-sample-table", "columns": USAGE_COLUMNS, "rows": _sims(sample.get("top_talkers") or [])},
            {"id": "wireless-sample-no-data-table", "columns": SIM_COLUMNS, "rows": _sims(sample.get("no_data") or [])},
            {"id": "fleet-limits-table", "columns": (
                {"key": "name", "label": "Fleet"}, {"key": "data_limit", "label": "Data limit (MB)", "kind": "num"},
                {"key": "sims", "label": "SIMs", "kind": "num"}, {"key": "sims_with_data", "label": "SIMs with data", "kind": "num"},
                {"key": "total", "label": "Data (MB)", "kind": "mb"}, {"key": "largest_sim_total", "label": "Largest SIM (MB)", "kind": "mb"},
                {"key": "largest_limit_percent", "label": "Largest SIM (% of limit)", "kind": "pct"},
                {"key": "average_limit_percent", "label": "Average (% of limit)", "kind": "pct"},
                {"key": "over", "label": "SIMs above %s %%" % plain_number(limit_percent), "kind": "num"}),
             "rows": [dict(f, name=f["unique_name"] or f["sid"], over=len(f["sims_over_limit_percent"])) for f in usage["fleets"]]},
            {"id": "over-limit-table", "columns": (
                {"key": "fleet", "label": "Fleet"}, {"key": "sid", "label": "SID", "kind": "sid"},
                {"key": "unique_name", "label": "Unique name"}, {"key": "iccid", "label": "ICCID", "kind": "sid"},
                {"key": "status", "label": "Status", "kind": "tag"}, {"key": "total", "label": "Total (MB)", "kind": "mb"},
                {"key": "share", "label": "% of limit", "kind": "pct"}),
             "rows": [dict(row, fleet=f["unique_name"] or f["sid"], share=_limit_share(row["total"], f["data_limit"]))
                      for f in usage["fleets"] for row in f["sims_over_limit_percent"]]},
        ]
    return tables


def plain_number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def audit_trend_charts(report):
    """The SVG trend charts of audit.html (empty before the second run)."""
    points = report["trend"]["points"]
    if len(points) < 2:
        return []
    charts = [
        trend_svg("chart-trend-data", "Data per day (MB, average over the usage window of each run)", points,
                  [("wireless_data_mb_per_day", PRODUCT_NAMES["wireless"]), ("supersim_data_mb_per_day", PRODUCT_NAMES["supersim"]),
                   ("data_mb_per_day", "All products")], " MB"),
        trend_svg("chart-trend-findings", "Super SIMs with no data / no commands", points,
                  [("no_data_sims", "no data (usage window)"), ("no_command_sims", "no commands (command window)")]),
    ]
    status_points = [dict(p["by_status"], at=p["at"]) for p in points]
    charts.append(trend_svg("chart-trend-status", "SIMs per status", status_points,
                            [(status, status) for status in report["trend"]["statuses"]]))
    return [chart for chart in charts if chart]


def report_page(report, kind, page_size=PAGE_SIZE, prefix=None):
    """What the HTML report of ``kind`` (audit or remediation) needs besides the report itself: the shared style and
    script, its tables as HTML and CSV (one file per table), its trend charts."""
    if not isinstance(report, dict):
        raise AnsibleFilterError("report_page expects a report (a dictionary), got %s" % type(report).__name__)
    page_size = whole_number(page_size, "page_size")
    if kind == "audit":
        tables, charts = audit_tables(report), audit_trend_charts(report)
    elif kind == "remediation":
        from ansible_collections.simfleet.twilio.plugins.filter.remediation_plan import page_sections, page_tables
        tables, charts = page_tables(report), []
    else:
        raise AnsibleFilterError("report_page: kind must be one of audit, remediation, got %r" % (kind,))
    result = page(tables, prefix or kind, page_size)
    result["trend_charts"] = charts
    if kind == "remediation":
        result["sections"] = page_sections(report)
    return result


def audit_summary(data, window_days=AUDIT_DEFAULTS["window_days"], recent_days=AUDIT_DEFAULTS["recent_days"],
                  no_command_statuses=None, products=None, now=None, data_limit_percent=AUDIT_DEFAULTS["data_limit_percent"],
                  history=None):
    return unsafe(summarize(data, window_days=window_days, recent_days=recent_days,
                            no_command_statuses=no_command_statuses, products=products, now=now,
                            data_limit_percent=data_limit_percent, history=history))


def report_page_filter(report, kind, page_size=PAGE_SIZE, prefix=None):
    return unsafe(report_page(report, kind, page_size=page_size, prefix=prefix))


class FilterModule(object):
    def filters(self):
        return {"audit_summary": audit_summary, "report_page": report_page_filter}
