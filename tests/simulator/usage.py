"""Data usage: each SIM's usage profile, the closed forms that turn it into bytes, and the records derived
from it (Wireless Data Sessions, Super SIM Billing Periods).

A SIM that uses data uploads `upload` and downloads `download` bytes in every whole UTC hour of its data
interval [`start`, `end`): the usage of a window [s, e) is the rate times the number of hour marks (epoch
seconds divisible by 3600) in [max(s, start), min(e, end)). Counting hour marks is additive, so hourly, daily
and whole-window figures, and every grouping, add up exactly. A set of SIMs is summed by a `Curve` (sorted
interval bounds and prefix sums): any window of any group costs O(log n).

Profiles are drawn once, when the fleet is built (`draw_profile`), from their own seeded stream, and kept
among the SIM's hidden fields (`usage`). Writes do not change them: a SIM registered later has none.
"""
import calendar
import datetime
import hashlib
import random
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

HOUR = 3600
DAY = 86400
MB = 1_000_000
PRICE_PER_MB = 0.10  # USD per MB of data, both products
PRICE_PER_COMMAND = 0.01  # USD per Wireless Command
CURRENCY = "USD"
PACKET_BYTES = 512  # average packet size behind a Data Session's packet counts

# Statuses of a SIM that has been active (so may have used data), and those it may still be using data in.
USED_STATUSES = {"wireless": ("active", "suspended", "deactivated", "canceled", "updating"),
                 "supersim": ("active", "inactive")}
LIVE_STATUSES = ("active", "updating")

SILENT_SHARE = 0.08  # active SIMs without data for the last 60-120 days
IDLE_SHARE = 0.06  # active SIMs that never used data
TOP_TALKER_SHARE = 0.015
NEAR_LIMIT_SHARE = 0.02  # active Super SIMs near or over their fleet's data limit in the current billing period
NEAR_LIMIT_FACTORS = (0.9, 0.95, 1.05, 1.2, 1.6)
LIMIT_SHARE = 0.4  # other Super SIMs use at most this share of their fleet's data limit in 31 days
ISO3 = {"US": "USA", "CA": "CAN", "MX": "MEX", "DE": "DEU", "GB": "GBR", "FR": "FRA", "NL": "NLD", "AU": "AUS",
        "JP": "JPN"}
RADIO_LINKS = ("LTE", "LTE-M", "NB-IoT", "3G")


@dataclass(frozen=True)
class Usage:
    """A SIM's usage profile: bytes per hour up and down over the data interval [`start`, `end`) (both None:
    never used data); `activated` (epoch) and `deactivated` (None while still active) bound its billing
    periods; the network (and its country) its data is attributed to."""

    upload: int
    download: int
    start: int
    end: int
    activated: int
    deactivated: int
    network_sid: str
    iso_country: str
    silent: bool = False
    near_limit: bool = False

    def truth(self):
        return {"upload_per_hour": self.upload, "download_per_hour": self.download,
                "start": iso(self.start), "end": iso(self.end), "activated": iso(self.activated),
                "deactivated": iso(self.deactivated), "network_sid": self.network_sid,
                "iso_country": self.iso_country, "silent": self.silent,
                "near_limit": self.near_limit}


@dataclass(frozen=True)
class Bytes:
    upload: int
    download: int

    @property
    def total(self):
        return self.upload + self.download

    def as_dict(self):
        return {"upload": self.upload, "download": self.download, "total": self.total}


_TIMES_OF_DAY = []
_DATES = {}


def iso(ts):
    """Twilio's timestamp format, e.g. 2015-07-30T20:00:00Z (cached per day and second of day: fast); None
    stays None."""
    if ts is None:
        return None
    ts = int(ts)
    if not _TIMES_OF_DAY:
        _TIMES_OF_DAY.extend(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z" for s in range(DAY))
    day, second = divmod(ts, DAY)
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * DAY))
    return date + _TIMES_OF_DAY[second]


def marks(ts):
    """Index of the first hour mark at or after `ts`."""
    return -(-ts // HOUR)


def hours(start, end, usage):
    """Hour marks of [start, end) inside the usage's data interval."""
    if usage is None or usage.start is None:
        return 0
    return max(0, min(marks(end), marks(usage.end)) - max(marks(start), marks(usage.start)))


def between(usage, start, end):
    """Bytes the SIM used in [start, end)."""
    count = hours(start, end, usage)
    return Bytes(usage.upload * count, usage.download * count) if count else Bytes(0, 0)


def between_truth(entry, start, end):
    """`between()` for a truth entry (`Usage.truth()`; ISO or epoch times)."""
    if entry["start"] is None:
        return Bytes(0, 0)
    usage = Usage(entry["upload_per_hour"], entry["download_per_hour"], epoch(entry["start"]), epoch(entry["end"]),
                  None, None, None, None)
    return between(usage, epoch(start), epoch(end))


def epoch(value):
    """Epoch seconds from an epoch number, a datetime or ISO 8601 text (naive means UTC)."""
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = datetime.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def add_months(ts, months):
    """`ts` moved by whole calendar months (the day clamped to the month's length), time of day kept."""
    moment = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return int(moment.replace(year=year, month=month + 1, day=day).timestamp())


class Curve:
    """The usage of a set of SIMs: `between(start, end)` sums their bytes in O(log n).

    With A, B the hour-mark indexes of a profile's interval and r its rate, its cumulative usage up to mark m
    is r * clamp(m, A, B); the sum over profiles splits into those ended before m, those not started, and
    those running at m, each a prefix sum over bounds sorted once."""

    def __init__(self, profiles):
        entries = [(marks(p.start), marks(p.end), p.upload, p.download) for p in profiles
                   if p is not None and p.start is not None and marks(p.end) > marks(p.start)]
        self.starts = sorted(entries)
        self.ends = sorted(entries, key=lambda entry: entry[1])
        self.start_keys = [entry[0] for entry in self.starts]
        self.end_keys = [entry[1] for entry in self.ends]
        # suffix sums over starts: (sum r*A, sum r) per direction; prefix sums over ends: (sum r*B, sum r)
        self.start_sums = self._sums(self.starts[::-1], 0)[::-1]
        self.end_sums = self._sums(self.ends, 1)
        self.rates = (sum(entry[2] for entry in entries), sum(entry[3] for entry in entries))

    @staticmethod
    def _sums(entries, bound):
        sums = [(0, 0, 0, 0)]
        for entry in entries:
            up_bound, down_bound, up, down = sums[-1]
            sums.append((up_bound + entry[2] * entry[bound], down_bound + entry[3] * entry[bound],
                         up + entry[2], down + entry[3]))
        return sums

    def _cumulative(self, mark):
        not_started = self.start_sums[bisect_left(self.start_keys, mark)]
        ended = self.end_sums[bisect_right(self.end_keys, mark)]
        running_up = self.rates[0] - not_started[2] - ended[2]
        running_down = self.rates[1] - not_started[3] - ended[3]
        return (not_started[0] + ended[0] + mark * running_up, not_started[1] + ended[1] + mark * running_down)

    def between(self, start, end):
        if not self.start_keys or end <= start:
            return Bytes(0, 0)
        low, high = self._cumulative(marks(start)), self._cumulative(marks(end))
        return Bytes(high[0] - low[0], high[1] - low[1])


# Drawing profiles


def draw_profile(rng, product, status, created, updated, now, networks, cap=None):
    """A SIM's `Usage` (None for a SIM that never was active): `networks` is [(sid, iso_country)]; `cap`, if
    given, bounds the bytes per hour (up and down together)."""
    if status not in USED_STATUSES[product]:
        return None
    network_sid, country = networks[int(rng.random() * len(networks))]
    live = status in LIVE_STATUSES
    deactivated = None if live else max(created, updated)
    until = now if live else deactivated
    roll = rng.random()
    if rng.random() < TOP_TALKER_SHARE:
        daily = 1e8 * 10 ** rng.random()  # 100 MB to 1 GB a day
    else:
        daily = 5e3 * 10 ** (4 * rng.random())  # 5 KB to 50 MB a day
    share = 0.1 + 0.35 * rng.random()
    if cap is not None:
        daily = min(daily, cap * 24)
    upload, download = max(1, int(daily * share / 24)), max(1, int(daily * (1 - share) / 24))
    silent_days = 60 + int(rng.random() * 61)
    if live and roll < IDLE_SHARE:
        return Usage(0, 0, None, None, created, deactivated, network_sid, country)
    if live and roll < IDLE_SHARE + SILENT_SHARE:
        until = min(until, now - silent_days * DAY)
        if until <= created:
            return Usage(0, 0, None, None, created, deactivated, network_sid, country, silent=True)
        return Usage(upload, download, created, until, created, deactivated, network_sid, country, silent=True)
    if until <= created:
        return Usage(0, 0, None, None, created, deactivated, network_sid, country)
    return Usage(upload, download, created, until, created, deactivated, network_sid, country)


def current_period_start(usage, now):
    """Start of the billing period (monthly from activation) that holds `now`."""
    moment = datetime.datetime.fromtimestamp(usage.activated, datetime.timezone.utc)
    today = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    months = max(0, (today.year - moment.year) * 12 + today.month - moment.month - 1)
    while add_months(usage.activated, months + 1) <= now:
        months += 1
    return add_months(usage.activated, months)


def near_limit(rng, usage, limit_mb, now):
    """`usage` with rates that put the current billing period's data at a share around the fleet's limit, or
    None when the period is too young (under two days) for it."""
    if usage is None or usage.start is None or usage.silent or usage.end != now or not limit_mb:
        return None
    period_start = max(current_period_start(usage, now), usage.start)
    elapsed = marks(now) - marks(period_start)
    if elapsed < 48:
        return None
    target = limit_mb * MB * NEAR_LIMIT_FACTORS[int(rng.random() * len(NEAR_LIMIT_FACTORS))]
    per_hour = -(-int(target) // elapsed)
    upload = per_hour // 5
    return Usage(upload, per_hour - upload, usage.start, usage.end, usage.activated, usage.deactivated,
                 usage.network_sid, usage.iso_country, near_limit=True)


def attach_usage(data, seed, now, networks, explicit=None):
    """Draw every SIM's usage profile into `data.hidden[...][sid]["usage"]` (own seeded stream); `explicit`
    ({sid: Usage}) gives profiles to keep as they are. A few active Super SIMs are set near or over their
    fleet's data limit."""
    explicit = explicit or {}
    rng = random.Random(f"{seed}-usage")
    limits = {fleet["sid"]: fleet["data_limit"] for fleet in data.records["fleets"]}
    for name, product in (("wireless_sims", "wireless"), ("supersim_sims", "supersim")):
        hidden = data.hidden[name]
        for record in data.records[name]:
            sid = record["sid"]
            profile = explicit.get(sid)
            if profile is None:
                limit = limits.get(record.get("fleet_sid")) if product == "supersim" else None
                cap = int(limit * MB * LIMIT_SHARE / (31 * 24)) if limit else None
                profile = draw_profile(rng, product, record["status"], fast_epoch(record["date_created"]),
                                       fast_epoch(record["date_updated"]), now, networks, cap)
            hidden.setdefault(sid, {})["usage"] = profile
    sims = [record for record in data.records["supersim_sims"] if record["sid"] not in explicit]
    wanted = max(1, int(len(sims) * NEAR_LIMIT_SHARE)) if sims else 0
    for share in (NEAR_LIMIT_SHARE * 3, 1.0):  # a seeded spread first, then any SIM that fits
        for record in sims:
            hidden = data.hidden["supersim_sims"][record["sid"]]
            if wanted <= 0 or rng.random() >= share or hidden["usage"] is None or hidden["usage"].near_limit:
                continue
            changed = near_limit(rng, hidden["usage"], limits.get(record["fleet_sid"]), now)
            if changed is not None:
                hidden["usage"] = changed
                wanted -= 1


_DAY_EPOCHS = {}


def fast_epoch(text):
    """Epoch seconds of a `YYYY-MM-DDTHH:MM:SSZ` timestamp (the day part cached), else `epoch()`."""
    if text is None:
        return None
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":
        day = _DAY_EPOCHS.get(text[:10])
        if day is None:
            day = _DAY_EPOCHS[text[:10]] = calendar.timegm(datetime.date.fromisoformat(text[:10]).timetuple())
        return day + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
    return epoch(text)


# Records derived from a profile


def _hex(*parts):
    return hashlib.blake2b("-".join(map(str, parts)).encode(), digest_size=16).hexdigest()


class Draws:
    """Deterministic numbers in [0, 1) from a digest of `parts`: cheaper than seeding a Random per record."""

    def __init__(self, *parts):
        self.data = hashlib.blake2b("-".join(map(str, parts)).encode(), digest_size=64).digest()
        self.offset = 0

    def random(self):
        if self.offset + 4 > len(self.data):
            self.data, self.offset = hashlib.blake2b(self.data, digest_size=64).digest(), 0
        value = int.from_bytes(self.data[self.offset:self.offset + 4], "big")
        self.offset += 4
        return value / 2 ** 32


def luhn15(draws):
    body = f"35{int(draws.random() * 10 ** 6):06d}{int(draws.random() * 10 ** 6):06d}"
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str((10 - total % 10) % 10)


def billing_periods(sim, usage, now):
    """A Super SIM's Billing Periods, newest first: monthly from its activation until the one holding `now`
    (or its deactivation)."""
    if usage is None:
        return []
    until = usage.deactivated if usage.deactivated is not None else now
    periods, months = [], 0
    while True:
        start = add_months(usage.activated, months)
        if start > now or (usage.deactivated is not None and start >= until and months):
            break
        end = add_months(usage.activated, months + 1)
        current = start <= now < end
        periods.append({
            "sid": f"HB{_hex(sim['sid'], 'billing-period', months)}", "account_sid": sim["account_sid"],
            "sim_sid": sim["sid"], "start_time": iso(start), "end_time": iso(end), "period_type": "active",
            "date_created": iso(start), "date_updated": iso(start if current else min(end, now)),
        })
        months += 1
    return periods[::-1]


def data_sessions(sim, usage, now, networks):
    """A Wireless SIM's recent Data Sessions, newest first (none for a SIM that never used data); `networks`
    maps a network SID to its record (friendly_name, iso_country, identifiers)."""
    if usage is None or usage.start is None or usage.upload + usage.download == 0:
        return []
    rng = Draws(sim["sid"], "data-sessions")
    network = networks.get(usage.network_sid) or {}
    identifier = (network.get("identifiers") or [{}])[0]
    country = network.get("iso_country")
    imei = luhn15(rng)
    sessions, end = [], usage.end
    for index in range(2 + int(rng.random() * 4)):
        length = (1 + int(rng.random() * 12)) * HOUR + int(rng.random() * HOUR)
        start = max(usage.start, end - length)
        if start >= end:
            break
        open_session = index == 0 and usage.end == now and usage.deactivated is None
        used = between(usage, start, end)
        sessions.append({
            "sid": f"WN{_hex(sim['sid'], 'data-session', index)}", "sim_sid": sim["sid"],
            "account_sid": sim["account_sid"], "radio_link": RADIO_LINKS[int(rng.random() * len(RADIO_LINKS))],
            "operator_mcc": identifier.get("mcc"), "operator_mnc": identifier.get("mnc"),
            "operator_country": ISO3.get(country, country), "operator_name": network.get("friendly_name"),
            "cell_id": str(10000 + int(rng.random() * 90000000)),
            "cell_location_estimate": {"lat": round(-60 + 130 * rng.random(), 5),
                                       "lon": round(-180 + 360 * rng.random(), 5)},
            "packets_uploaded": used.upload // PACKET_BYTES, "packets_downloaded": used.download // PACKET_BYTES,
            "last_updated": iso(end), "start": iso(start), "end": None if open_session else iso(end), "imei": imei,
        })
        end = start - (1 + int(rng.random() * 48)) * HOUR
        if end <= usage.start:
            break
    return sessions


def billed(total):
    """Price of `total` bytes, rounded to cents."""
    return round(total / MB * PRICE_PER_MB + 1e-9, 2)


def profile_truth(usage):
    return None if usage is None else usage.truth()
