# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the inventory fetches, through the one client, and its cache (private to this collection, controller side).

The SIM listings of each product, the listings that name rate plan and fleet groups, and the listings of the option
enrich all come from the endpoint table (ENDPOINTS: ``hosts``, ``group_endpoint``, ``enrich``); ENRICHMENTS only says
what each item of enrich keeps of its records and which host variables they give. The result is plain data, the same
in the inventory cache: ``{"format", "sims": [[product, record]], "names": {product: {SID: unique name}},
"enrich": {item: {key: values}}, "windows": {item: {"start", "end"}}}``.
"""

import datetime
import hashlib
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

from ansible.errors import AnsibleError, AnsibleParserError

from ansible_collections.simfleet.twilio.plugins.module_utils._client import (
    TwilioError,
    client_from_options,
    platform_of,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    format_time,
    query_params,
    validate_filters,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.products import PRODUCTS

CACHE_FORMAT = 1
# The field of per-SIM records (eSIM profiles, commands, usage records) that holds the SIM's SID.
SIM_FIELD = "sim_sid"
# The variables of the window of enrichments with one, given to every SIM they enrich.
WINDOW_VARIABLES = ("usage_start", "usage_end")
# Twilio SIDs are two letters and 32 hex digits; a SIM record whose SID is not letters and digits is malformed data.
SID_CHARS = re.compile(r"[A-Za-z0-9]+\Z")


@dataclass(frozen=True)
class Enrichment:
    """One item of the option enrich: what it keeps of its records and which host variables they give.

    Where the records come from is the endpoint table's: the Endpoint whose ``enrich`` names the item (``endpoint``),
    with its product (the SIMs it enriches) and its time window. An endpoint with a parent is listed once per Super
    SIM (``per_sim``); any other once for the whole account. ``link``: the SIM field whose value finds the SIM's
    records, whose field ``key`` holds it (the SIM's own SID in SIM_FIELD, or the SID of the SIM's rate plan or fleet
    when the endpoint is the listing that names their groups). ``combine``: how several records of one SIM become one:
    ``newest`` (by the date field ``newest_by``, ties broken by the record's SID), ``sum`` (the fields added up) or
    ``list`` (all of them, as a list). ``filters``: fixed filter values of the listing, by option name (``group:
    sim``). ``fields``: the record fields kept; nothing else is stored or cached. ``variables``: (variable, field,
    default) triples: the variable (without hostvars_prefix) takes that field of the combined record, or with field
    None the SIM's list of records; a SIM of the product without records gets the default.
    """

    option: str
    fields: Tuple[str, ...]
    variables: Tuple[Tuple[str, Optional[str], Any], ...]
    combine: str = "newest"
    newest_by: str = "date_created"
    filters: Tuple[Tuple[str, str], ...] = ()
    # Read from the endpoint table when the item is declared.
    endpoint: Any = field(init=False, repr=False, compare=False)
    product: str = field(init=False, repr=False, compare=False)
    per_sim: bool = field(init=False, repr=False, compare=False)
    window: bool = field(init=False, repr=False, compare=False)
    link: str = field(init=False, repr=False, compare=False)
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        endpoint = next(e for e in ENDPOINTS.values() if e.enrich == self.option)
        groups = endpoint.name == PRODUCTS[endpoint.product].lookup_endpoint
        for name, value in (("endpoint", endpoint), ("product", endpoint.product), ("per_sim", bool(endpoint.parents)),
                            ("window", endpoint.window is not None),
                            ("link", PRODUCTS[endpoint.product].sid_field if groups else "sid"),
                            ("key", "sid" if groups else SIM_FIELD)):
            object.__setattr__(self, name, value)


# The rate plan and fleet settings the options enrich=rate_plan and enrich=fleet keep.
RATE_PLAN_FIELDS = ("unique_name", "data_enabled", "data_limit", "data_metering", "messaging_enabled", "voice_enabled",
                    "national_roaming_enabled", "national_roaming_data_limit", "international_roaming",
                    "international_roaming_data_limit")
FLEET_FIELDS = ("unique_name", "data_enabled", "data_limit", "data_metering", "sms_commands_enabled", "network_access_profile_sid")


def _last(kind):
    """The variables of the newest command of a kind: its date, direction and status."""
    return (("last_%s_date" % kind, "date_created", None), ("last_%s_direction" % kind, "direction", None),
            ("last_%s_status" % kind, "status", None))


ENRICHMENTS = (
    # Of an eSIM profile only its SID, status and EID are kept: its secrets (activation_code, matching_id) are never stored.
    Enrichment(option="esim_profiles", newest_by="date_updated", fields=("sid", "status", "eid"),
               variables=(("esim_profile_sid", "sid", None), ("esim_profile_status", "status", None), ("eid", "eid", None))),
    Enrichment(option="ip_commands", fields=("date_created", "direction", "status"), variables=_last("ip_command")),
    Enrichment(option="sms_commands", fields=("date_created", "direction", "status"), variables=_last("sms_command")),
    Enrichment(option="ip_addresses", combine="list", fields=("ip_address", "ip_address_version"),
               variables=(("ip_addresses", None, []),)),
    # One record per Super SIM that used data in the window; a SIM without one used none.
    Enrichment(option="usage", combine="sum", filters=(("group", "sim"),), fields=("data_upload", "data_download", "data_total"),
               variables=(("data_upload", "data_upload", 0), ("data_download", "data_download", 0), ("data_total", "data_total", 0))),
    Enrichment(option="fleet", fields=FLEET_FIELDS, variables=tuple(("fleet_" + name, name, None) for name in FLEET_FIELDS)),
    Enrichment(option="rate_plan", fields=RATE_PLAN_FIELDS,
               variables=tuple(("rate_plan_" + name, name, None) for name in RATE_PLAN_FIELDS)),
)


def window_limit_days(enrichment):
    """The longest window in days the endpoint of a windowed enrichment answers with its filters (the endpoint table's
    limits), None when it has no such limit."""
    endpoint = enrichment.endpoint
    given = dict((f.option, f.default) for f in endpoint.filters)
    given.update(enrichment.filters)
    days = [limit.days for limit in endpoint.window.limits if limit.days is not None and given.get(limit.option) == limit.value]
    return min(days) if days else None


# The longest usage_window_days: Twilio answers Super SIM usage grouped by SIM for at most 31 days (its error 83603).
USAGE_MAX_DAYS = min(window_limit_days(e) for e in ENRICHMENTS if e.window)


def newest_by_sim(records, sim_field=SIM_FIELD, date_field="date_created"):
    """The newest record per SIM SID (by ``date_field``, then SID), as a dict keyed by SIM SID."""
    newest = {}
    for record in records:
        sim_sid = record.get(sim_field)
        if not sim_sid:
            continue
        current = newest.get(sim_sid)
        if current is None or (record.get(date_field) or "", record.get("sid") or "") > (current.get(date_field) or "", current.get("sid") or ""):
            newest[sim_sid] = record
    return newest


def _count(value):
    """A number from an API field that should hold one; anything else counts as 0."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def combined(enrichment, records):
    """An enrichment's records as ``{key: {field: value}}`` (key: the records' ``enrichment.key``), one entry per key:
    its newest record, or the sum of its records' fields; only ``enrichment.fields`` are kept."""
    fields = enrichment.fields
    if enrichment.combine == "sum":
        sums = {}
        for record in records:
            key = record.get(enrichment.key)
            if key:
                current = sums.setdefault(key, dict((name, 0) for name in fields))
                for name in fields:
                    current[name] += _count(record.get(name))
        return sums
    newest = newest_by_sim(records, sim_field=enrichment.key, date_field=enrichment.newest_by)
    return dict((key, dict((name, record.get(name)) for name in fields)) for key, record in newest.items())


def sim_record_problem(record):
    """Why ``record`` cannot be a SIM host, or None: it must be an object whose ``sid`` is a string of letters and digits."""
    if not isinstance(record, dict):
        kinds = {list: "array", str: "string", type(None): "null", bool: "boolean", int: "number", float: "number"}
        return "a JSON %s instead of an object" % kinds.get(type(record), type(record).__name__)
    sid = record.get("sid")
    if isinstance(sid, str) and SID_CHARS.match(sid):
        return None
    if "sid" not in record:
        return "no sid"
    return "sid %s" % json.dumps(sid, default=repr)[:80]


def sim_queries(options):
    """The SIM queries of checked options: a list of (product, params), one per product and status."""
    queries = []
    for product in options["products"]:
        spec = PRODUCTS[product]
        base = {"Iccid": options.get("iccid")}
        if options.get(spec.name_filter):
            base[ENDPOINTS[spec.endpoint].filter_param(spec.name_filter)] = options[spec.name_filter]
        product_statuses = [s for s in options["statuses"] if s in spec.statuses] if options["statuses"] else [None]
        for status in product_statuses:
            params = dict((k, v) for k, v in base.items() if v)
            if status:
                params["Status"] = status
            queries.append((product, params))
    return queries


def cache_key(options, queries):
    """Cache key from platform, account (Twilio's Account SID, KORE's API client ID), base URL and query; never from
    a secret."""
    platform = platform_of(options)
    identity = {
        "format": CACHE_FORMAT,
        "platform": platform,
        "account": options["client_id"] if platform == "kore" else options["account_sid"],
        "base_url": options["base_url"],
        "queries": queries,
        "resolve_group_names": options["resolve_group_names"],
        "enrich": sorted(options["enrich"]),
    }
    if any(e.window and e.option in options["enrich"] for e in ENRICHMENTS):
        identity["usage_window_days"] = options["usage_window_days"]
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()
    return "simfleet_twilio_sims_%s" % digest[:32]


def well_formed(data):
    """True when the data of the cache, in this format, holds only well-formed SIM records of known products."""
    return not any(product not in PRODUCTS or sim_record_problem(record) for product, record in data["sims"])


def load_data(plugin, options, queries, cache):
    """API data from the inventory cache of ``plugin`` when allowed and fresh, otherwise from Twilio (then cached)."""
    use_cache = bool(options.get("cache"))
    key = cache_key(options, queries) if use_cache else None
    if use_cache and cache:
        try:
            data = plugin._cache[key]
        except KeyError:
            data = None
        if isinstance(data, dict) and data.get("format") == CACHE_FORMAT:
            if well_formed(data):
                plugin.display.vvv("simfleet.twilio.sims: using cached Twilio data (%d SIMs)" % len(data["sims"]))
                return data
            plugin.display.vvv("simfleet.twilio.sims: ignoring cached data with a malformed SIM record")
    client = client_from_options(options)
    try:
        data = Fetch(client, options).run(queries)
    finally:
        client.close()
    plugin.display.vvv("simfleet.twilio.sims: %d SIMs in %d requests" % (len(data["sims"]), client.request_count))
    if use_cache:
        plugin._cache[key] = data
    return data


class Fetch(object):
    """Every API listing one run of the inventory needs, through ``client``, as plain data ready for the cache.

    A job is (kind, product, params): kind C(sims) lists the product's SIMs, C(names) its rate plans or fleets (for
    the group names), an Enrichment its records. Jobs run ``max_concurrency`` at a time; any failure raises
    AnsibleError naming what was listed.
    """

    def __init__(self, client, options):
        self.client = client
        self.options = options

    def run(self, queries):
        """The data of the SIM ``queries`` (sim_queries), the group names and the enrichments of the options."""
        options = self.options
        enrichments = [e for e in ENRICHMENTS if e.option in options["enrich"]]
        # A rate plan or fleet listing read for an enrichment also names the groups: never listed twice.
        enriched = set(e.endpoint.name for e in enrichments if not e.per_sim)
        jobs = [("sims", product, params) for product, params in queries]
        if options["resolve_group_names"]:
            jobs.extend(("names", product, None) for product in options["products"]
                        if PRODUCTS[product].lookup_endpoint not in enriched)
        windows = {}
        for enrichment in enrichments:
            if not enrichment.per_sim:
                jobs.append((enrichment, enrichment.product, self.enrichment_params(enrichment, windows)))
        workers = max(1, min(options["max_concurrency"], len(jobs)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda job: self.run_job(*job), jobs))

        data = {"format": CACHE_FORMAT, "sims": [], "names": {}, "enrich": {}, "windows": windows}
        seen = set()
        for (kind, product, params), result in zip(jobs, results):
            if kind == "sims":
                for index, record in enumerate(result):
                    problem = sim_record_problem(record)
                    if problem:
                        raise AnsibleError("simfleet.twilio.sims: cannot list %s: record %d of %d is not a SIM with a SID (%s); "
                                           "the source fails rather than merge or drop SIMs of malformed API data"
                                           % (self.label(kind, product, params), index + 1, len(result), problem))
                    if record["sid"] not in seen:
                        seen.add(record["sid"])
                        data["sims"].append([product, record])
            elif kind == "names":
                data["names"][product] = result
            else:
                data["enrich"][kind.option] = result
                if options["resolve_group_names"] and product in options["products"] and \
                        PRODUCTS[product].lookup_endpoint == kind.endpoint.name:
                    data["names"][product] = dict((sid, values.get("unique_name")) for sid, values in result.items())
        for enrichment in enrichments:
            if enrichment.per_sim:
                sids = [record["sid"] for product, record in data["sims"] if product == enrichment.product]
                data["enrich"][enrichment.option] = self.per_sim(enrichment, sids)
        return data

    def enrichment_params(self, enrichment, windows):
        """The query parameters of an enrichment's listing (the endpoint table names them): its fixed filters and, for
        one with a window, the last usage_window_days days, recorded in ``windows``."""
        endpoint = enrichment.endpoint
        values = dict(enrichment.filters)
        if enrichment.window:
            end = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            start = end - datetime.timedelta(days=self.options["usage_window_days"])
            values.update(((endpoint.window.start, format_time(start)), (endpoint.window.end, format_time(end))))
            windows[enrichment.option] = {"start": format_time(start), "end": format_time(end)}
        problems = validate_filters(endpoint, values)
        if problems:
            raise AnsibleParserError("simfleet.twilio.sims: enrich %s: %s" % (enrichment.option, "; ".join(problems)))
        return query_params(endpoint, values)

    @staticmethod
    def label(kind, product, params=None):
        """What a job lists, for messages: for example C(wireless SIMs (Status=active))."""
        if kind == "sims":
            what = "%s SIMs" % product
        elif kind == "names":
            what = "%s %s" % (product, PRODUCTS[product].lookup_label)
        else:
            what = "%s %s" % (product, kind.option)
        if params:
            what += " (%s)" % ", ".join("%s=%s" % item for item in sorted(params.items()))
        return what

    def run_job(self, kind, product, params):
        """The result of one job: SIM records, {SID: unique name}, or an enrichment's combined records."""
        client = self.client
        try:
            if kind == "sims":
                return client.list_records(ENDPOINTS[PRODUCTS[product].endpoint], params=params)
            if kind == "names":
                records = client.list_records(ENDPOINTS[PRODUCTS[product].lookup_endpoint])
                return dict((r["sid"], r.get("unique_name")) for r in records if r.get("sid"))
            return combined(kind, client.list_records(kind.endpoint, params=params))
        except TwilioError as err:
            raise AnsibleError("simfleet.twilio.sims: cannot list %s: %s" % (self.label(kind, product, params), err)) from None

    def per_sim(self, enrichment, sids):
        """The records of a per-SIM enrichment (ip_addresses, the only one) for each SIM of ``sids``, one listing per
        SIM, ``max_concurrency`` at a time: ``{SIM SID: [{field: value}]}``."""
        lock = threading.Lock()
        records_of = {}
        fields = enrichment.fields
        endpoint = enrichment.endpoint
        client = self.client

        def one(sid):
            records = client.list_records(endpoint, parents={endpoint.parents[0]: sid})
            with lock:
                records_of[sid] = [dict((name, r.get(name)) for name in fields) for r in records]

        try:
            with ThreadPoolExecutor(max_workers=self.options["max_concurrency"]) as pool:
                list(pool.map(one, sids))
        except TwilioError as err:
            raise AnsibleError("simfleet.twilio.sims: cannot list Super SIM IP addresses: %s" % err) from None
        return records_of
