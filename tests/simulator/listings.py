"""The list endpoints derived from usage profiles (usage.py): Wireless and Super SIM Usage Records, Wireless
Data Sessions, Super SIM Billing Periods.

Usage Records are rendered on demand, page by page: a listing is a grid of time buckets (newest first) by
groups (ascending: SIM, Fleet or Network SIDs, countries; one unnamed group when not grouped), and a record's
key (bucket start and group) is its page token, so paging loses and repeats nothing. The groups of a query and
their sums (`Curve`s) are built once per query and data version and kept (a small cache).
"""
import json
import threading
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass

from .errors import ApiError
from .resources import BILLING_PERIOD_FIELDS, DATA_SESSION_FIELDS
from .store import MiniTable
from .usage import (CURRENCY, DAY, HOUR, PRICE_PER_COMMAND, Bytes, Curve, add_months, between, billed, epoch,
                    fast_epoch, iso)

ENCODE = json.JSONEncoder(check_circular=False).encode
INVALID = 20001


@dataclass(frozen=True)
class Granularity:
    """A `Granularity` value: bucket length in seconds (None: the whole window) and the longest window it
    allows (`months` calendar months or `days` days; None: no limit)."""

    name: str
    step: int = None
    months: int = None
    days: int = None


SUPERSIM_GRANULARITIES = (Granularity("hour", HOUR, days=31), Granularity("day", DAY, months=3),
                          Granularity("all", None, months=18))
WIRELESS_GRANULARITIES = (Granularity("hourly", HOUR), Granularity("daily", DAY), Granularity("all"))
SUPERSIM_GROUPS = ("sim", "fleet", "network", "isoCountry")
# Query parameters of the Super SIM listing, in the description's order (page URLs keep them in this order).
SUPERSIM_PARAMS = ("Sim", "Fleet", "Network", "IsoCountry", "Group", "Granularity", "StartTime", "EndTime")
WIRELESS_PARAMS = ("End", "Start", "Granularity")
HISTORY_MONTHS = 18  # usage older than this (before the start of the current UTC day) is gone
SIM_GROUP_DAYS = 31


class Lazy:
    """A read-only sequence of `count` items made by `item(index)`."""

    def __init__(self, count, item):
        self.count, self.item = count, item

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        if not 0 <= index < self.count:
            raise IndexError(index)
        return self.item(index)


class Finder:
    """`get(key)`: the index of the record with that key, or None."""

    def __init__(self, index_of):
        self.index_of = index_of

    def get(self, key, default=None):
        index = self.index_of(key)
        return default if index is None else index


class Listing:
    """A listing rendered on demand with the interface paging needs (`sids`: record keys, `position`, `json_of`)."""

    def __init__(self, count, key_of, index_of, render):
        self.records = Lazy(count, render)
        self.sids = Lazy(count, key_of)
        self.position = Finder(index_of)
        self.json_of = lambda index: ENCODE(render(index))

    def select(self, criteria):
        return range(len(self.sids))


def parse_choice(args, name, choices, default=None):
    value = args.get(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise ApiError(400, INVALID, f"Invalid value for {name}: {value!r}. Allowed values: {', '.join(choices)}.")
    return value


def parse_time(args, name, default):
    value = args.get(name)
    if value is None or value == "":
        return default
    try:
        return epoch(value)
    except (ValueError, OverflowError):
        raise ApiError(400, INVALID, f"Invalid value for {name}: {value!r} is not an ISO 8601 date-time.") from None


def parse_window(args, start_name, end_name, now):
    """(start, end) epoch seconds: End defaults to now, Start to one calendar month before End."""
    end = parse_time(args, end_name, now)
    start = parse_time(args, start_name, None)
    start = add_months(end, -1) if start is None else start
    if start >= end:
        raise ApiError(400, INVALID, f"{start_name} must be before {end_name}.")
    return start, end


def check_supersim_window(start, end, granularity, group, now):
    """Twilio's documented refusals of a Super SIM usage window."""
    today = now - now % DAY
    if start < add_months(today, -HISTORY_MONTHS):
        raise ApiError(400, 83605, f"StartTime cannot be more than {HISTORY_MONTHS} months before the start of the "
                                   "current day (UTC): usage records are kept for 18 months.")
    too_long = (end - start > granularity.days * DAY if granularity.days
                else granularity.months and start < add_months(end, -granularity.months))
    if too_long:
        limit = f"{granularity.days} days" if granularity.days else f"{granularity.months} months"
        raise ApiError(400, 83604, f"The time window is too long for Granularity {granularity.name}: at most {limit}.")
    if group == "sim" and end - start > SIM_GROUP_DAYS * DAY:
        raise ApiError(400, 83603, f"Usage records grouped by sim are available for time windows of up to "
                                   f"{SIM_GROUP_DAYS} days.")


def buckets(start, end, step):
    """[(start, end)] of the window's time buckets, aligned on UTC hours or days and clipped to the window,
    newest first; one bucket, the window, without a step."""
    if step is None:
        return [(start, end)]
    result, low = [], start
    while low < end:
        high = min(end, (low // step + 1) * step)
        result.append((low, high))
        low = high
    return result[::-1]


def data_object(used):
    """A Wireless Data Usage object (all usage at home)."""
    amounts = {"billing_units": CURRENCY, "billed": billed(used.total), "total": used.total, "upload": used.upload,
               "download": used.download, "units": "bytes"}
    zero = {"billing_units": CURRENCY, "billed": 0, "total": 0, "upload": 0, "download": 0, "units": "bytes"}
    return dict(amounts, home=dict(amounts), national_roaming=zero, international_roaming=[])


def commands_object(to_sim, from_sim):
    """A Wireless Commands Usage object (all at home)."""
    total = to_sim + from_sim
    amounts = {"billing_units": CURRENCY, "billed": round(total * PRICE_PER_COMMAND, 2), "total": total,
               "from_sim": from_sim, "to_sim": to_sim}
    zero = {"billing_units": CURRENCY, "billed": 0, "total": 0, "from_sim": 0, "to_sim": 0}
    return dict(amounts, home=dict(amounts), national_roaming=zero, international_roaming=[])


class Single:
    """The usage of one SIM, with the interface of a `Curve`."""

    def __init__(self, usage):
        self.usage = usage

    def between(self, start, end):
        return between(self.usage, start, end) if self.usage is not None else Bytes(0, 0)


class Commands:
    """Wireless Commands by time: sorted creation times per direction, per SIM and for the account."""

    def __init__(self, records):
        self.times = {}
        for record in records:
            stamp = fast_epoch(record["date_created"])
            direction = 0 if record["direction"] == "to_sim" else 1
            for key in (None, record["sim_sid"]):
                self.times.setdefault(key, ([], []))[direction].append(stamp)
        for lists in self.times.values():
            for times in lists:
                times.sort()

    def count(self, sim_sid, start, end):
        """(to_sim, from_sim) Commands created in [start, end)."""
        lists = self.times.get(sim_sid, ([], []))
        return tuple(bisect_left(times, end) - bisect_left(times, start) for times in lists)


class Listings:
    """Builds the derived listings of a request; keeps the groups and sums of recent queries."""

    CACHE_SIZE = 64

    def __init__(self, store):
        self.store = store
        self._cache = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, key, build):
        key = (self.store.version,) + key
        with self._lock:
            value = self._cache.get(key)
            if value is not None:
                self._cache.move_to_end(key)
                return value
        value = build()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    # Super SIM Usage Records

    def supersim_usage(self, args, tables, account):
        """(listing, [(param, value)] for page URLs)."""
        now = self.store.now
        filter_params = [(name, args[name]) for name in SUPERSIM_PARAMS if name in args]
        group = parse_choice(args, "Group", SUPERSIM_GROUPS)
        name = parse_choice(args, "Granularity", [g.name for g in SUPERSIM_GRANULARITIES], "all")
        granularity = next(g for g in SUPERSIM_GRANULARITIES if g.name == name)
        start, end = parse_window(args, "StartTime", "EndTime", now)
        check_supersim_window(start, end, granularity, group, now)
        filters = tuple(args.get(name) or None for name in ("Sim", "Fleet", "Network", "IsoCountry"))
        fixed, groups, sums = self._cached(("supersim", account, group, start, end) + filters,
                                           lambda: self._supersim_groups(tables, group, filters, start, end))
        times = buckets(start, end, granularity.step)
        dimensions = ("sim_sid", "network_sid", "fleet_sid", "iso_country")  # the schema's order
        grouped = {"sim": "sim_sid", "fleet": "fleet_sid", "network": "network_sid", "isoCountry": "iso_country"}.get(group)

        def render(index):
            bucket, member = divmod(index, len(groups))
            low, high = times[bucket]
            used = sums[member].between(low, high)
            record = {"account_sid": account}
            for dimension in dimensions:
                record[dimension] = groups[member] if dimension == grouped else fixed.get(dimension)
            record.update(period={"start_time": iso(low), "end_time": iso(high)}, data_upload=used.upload,
                          data_download=used.download, data_total=used.total,
                          data_total_billed=f"{billed(used.total):.2f}", billed_unit=CURRENCY)
            return record
        return grid_listing(times, groups, render), filter_params

    def _supersim_groups(self, tables, group, filters, start, end):
        """({dimension: value} fixed by the filters, [group keys], [sums]) of a Super SIM usage query."""
        sim, fleet, network, country = filters
        sims, fixed = tables["supersim_sims"], {}
        records, unresolved = sims.records, False
        if sim is not None:
            position = sims.find(sim)
            unresolved = position is None
            records = [] if unresolved else [sims.records[position]]
            fixed["sim_sid"] = None if unresolved else sims.sids[position]
        if fleet is not None:
            target = tables["fleets"].record(fleet)
            unresolved = unresolved or target is None
            fixed["fleet_sid"] = target["sid"] if target else None
            records = [record for record in records if target and record["fleet_sid"] == target["sid"]]
        if network is not None:
            unresolved = unresolved or tables["networks"].record(network) is None
            fixed["network_sid"] = network
        if country is not None:
            fixed["iso_country"] = country
        if unresolved:
            return fixed, [], []
        members = []
        for record in records:
            usage = sims.hidden.get(record["sid"], {}).get("usage")
            if usage is None or usage.start is None:
                continue
            if (network is not None and usage.network_sid != network) or (country is not None and usage.iso_country != country):
                continue
            members.append((record, usage))
        if group is None:
            return fixed, [None], [Curve([usage for record, usage in members])]
        if group == "sim":
            keyed = sorted((record["sid"], Single(usage)) for record, usage in members)
        else:
            key_of = {"fleet": lambda record, usage: record["fleet_sid"],
                      "network": lambda record, usage: usage.network_sid,
                      "isoCountry": lambda record, usage: usage.iso_country}[group]
            parts = {}
            for record, usage in members:
                parts.setdefault(key_of(record, usage), []).append(usage)
            keyed = sorted(((key, Curve(usages)) for key, usages in parts.items()), key=lambda item: item[0] or "")
        keyed = [(key, sums) for key, sums in keyed if sums.between(start, end).total > 0]
        return fixed, [key for key, sums in keyed], [sums for key, sums in keyed]

    # Wireless Usage Records

    def wireless_usage(self, args, tables, account, sim=None):
        """(listing, filter params) of the account's (or one SIM's, `sim`: its record) Usage Records."""
        now = self.store.now
        filter_params = [(name, args[name]) for name in WIRELESS_PARAMS if name in args]
        name = parse_choice(args, "Granularity", [g.name for g in WIRELESS_GRANULARITIES], "all")
        granularity = next(g for g in WIRELESS_GRANULARITIES if g.name == name)
        start, end = parse_window(args, "Start", "End", now)
        table = tables["wireless_sims"]
        commands = self._cached(("commands", account), lambda: Commands(tables["commands"].records))
        if sim is None:
            sums = self._cached(("wireless", account), lambda: Curve(
                [table.hidden.get(sid, {}).get("usage") for sid in table.sids]))
        else:
            sums = Single(table.hidden.get(sim["sid"], {}).get("usage"))
        sim_sid = sim["sid"] if sim is not None else None
        times = buckets(start, end, granularity.step)

        def render(index):
            low, high = times[index]
            record = {"sim_sid": sim_sid} if sim is not None else {}
            record.update(account_sid=account, period={"start": iso(low), "end": iso(high)},
                          commands=commands_object(*commands.count(sim_sid, low, high)),
                          data=data_object(sums.between(low, high)))
            return record
        return grid_listing(times, [None], render), filter_params

    # Per-SIM lists

    def data_sessions(self, tables, sim):
        records = self.store.data_sessions(tables["wireless_sims"], sim)
        return MiniTable(records, DATA_SESSION_FIELDS, [record["sid"] for record in records])

    def billing_periods(self, tables, sim):
        records = self.store.billing_periods(tables["supersim_sims"], sim)
        return MiniTable(records, BILLING_PERIOD_FIELDS, [record["sid"] for record in records])


def grid_listing(times, groups, render):
    """A `Listing` of `times` x `groups` (time first); a record's key is `<bucket start>_<group or empty>`."""
    bucket_index = {low: index for index, (low, high) in enumerate(times)}
    group_index = {key or "": index for index, key in enumerate(groups)}
    width = len(groups)

    def key_of(index):
        bucket, member = divmod(index, width)
        return f"{times[bucket][0]}_{groups[member] or ''}"

    def index_of(key):
        low, dummy, member = key.partition("_")
        bucket = bucket_index.get(int(low)) if low.isdigit() else None
        position = group_index.get(member)
        return None if bucket is None or position is None else bucket * width + position
    return Listing(len(times) * width if width else 0, key_of, index_of, render)
