"""Fleet data: a generated fleet (deterministic from a seed) or one loaded from a fixture file.

Every record is a dict holding exactly the properties of its resource's schema, in the schema's order;
`url` and `links` are None placeholders that the store fills in once the server's base URL is known. Fields that Twilio does not return but that
filters need (a wireless SIM's registration code, a Super SIM's IP addresses, a network's MCCs and MNCs, a
Network Access Profile's networks) live in `AccountData.hidden`.

Resources added after the first ones (wireless commands, Network Access Profiles) draw from their own seeded
random streams, so adding them left every earlier record unchanged. The Networks catalogue and the pool of
registrable Super SIMs are the same for every account.

All times are relative to a reference `now` (a UTC epoch second); generated dates never exceed it.
"""
import base64
import random
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from .resources import ALL_RESOURCES, BY_NAME
from .usage import attach_usage, fast_epoch, iso  # noqa: F401  (iso re-exported)

DAY = 86400


@dataclass
class AccountData:
    """The records one account owns, per resource name, plus hidden per-record fields keyed by SID."""

    account_sid: str
    records: dict = field(default_factory=lambda: {resource.name: [] for resource in ALL_RESOURCES})
    hidden: dict = field(default_factory=lambda: {resource.name: {} for resource in ALL_RESOURCES})


DOUBLED = {str(d): (2 * d if d < 5 else 2 * d - 9) for d in range(10)}


def luhn_complete(digits):
    """`digits` followed by its Luhn check digit."""
    backwards = digits[::-1]
    total = sum(DOUBLED[char] for char in backwards[0::2]) + sum(map(int, backwards[1::2]))
    return digits + str((10 - total % 10) % 10)


def luhn_valid(number):
    """True if the last digit of `number` is its Luhn check digit."""
    return number.isdigit() and luhn_complete(number[:-1]) == number


def new_sid(rng, prefix):
    """A SID: two-letter prefix and 32 lowercase hex digits."""
    return f"{prefix}{rng.getrandbits(128):032x}"


def digits(rng, count):
    """`count` random decimal digits."""
    return f"{rng.getrandbits(4 * count) % 10 ** count:0{count}d}"


class Weighted:
    """Fast weighted choice among `(value, weight)` pairs with one random() call."""

    def __init__(self, pairs):
        self.values = [pair[0] for pair in pairs]
        weights = [pair[1] for pair in pairs]
        total = sum(weights)
        self.cumulative = [c / total for c in accumulate(weights)]

    def pick(self, rng):
        return self.values[min(bisect(self.cumulative, rng.random()), len(self.values) - 1)]


WIRELESS_STATUS_MIX = Weighted([
    ("active", 70), ("ready", 8), ("suspended", 6), ("deactivated", 5), ("canceled", 4), ("new", 4),
    ("scheduled", 1.5), ("updating", 1.5),
])
SUPER_SIM_STATUS_MIX = Weighted([("active", 70), ("ready", 10), ("inactive", 13), ("new", 4), ("scheduled", 3)])
ESIM_STATUS_MIX = Weighted([
    ("installed", 45), ("downloaded", 15), ("available", 12), ("failed", 15), ("reserving", 6), ("new", 7),
])
IP_TO_SIM_STATUS_MIX = Weighted([("sent", 70), ("queued", 15), ("failed", 15)])
SMS_TO_SIM_STATUS_MIX = Weighted([("delivered", 55), ("sent", 20), ("queued", 12), ("failed", 13)])
ESIM_ERRORS = (
    ("8.1.1", "EID does not match the EID of the eUICC that requested the profile."),
    ("8.2.5", "The download order has expired."),
    ("8.8.5", "Maximum number of download retries exceeded."),
    ("8.11.1", "Unknown CI public key."),
)
SMDP_ADDRESS = "sm-dp-plus.twilio.com"
TEXT_PAYLOADS = ("ping", "reboot", "report", "set interval 300", "gps on", "firmware check", "led blink")

RATE_PLANS = (
    ("iot-standard", "IoT Standard", 50, 40),
    ("iot-pooled", "IoT Pooled", 1000, 25),
    ("asset-tracker", "Asset Tracker", 10, 20),
    ("telematics-eu", "Telematics EU", 500, 10),
    ("dev-test", "Development and Test", 5, 5),
)
FLEETS = (
    ("field-sensors", 30), ("cold-chain", 20), ("ev-chargers", 15), ("smart-meters", 20), ("trackers-eu", 10),
    ("lab", 5),
)
WIRELESS_KINDS = ("meter", "tracker", "gateway", "sensor", "kiosk")
SUPER_SIM_KINDS = ("tracker", "meter", "charger", "sensor", "gateway")


@dataclass
class GenerateSpec:
    """What to generate for one account."""

    account_sid: str
    seed: int
    now: int
    wireless_sims: int
    super_sims: int
    esim_profiles: int = None
    ip_commands: int = None
    sms_commands: int = None
    wireless_commands: int = None
    name_prefix: str = ""
    iccid_block: int = 0


def generate(spec):
    """A generated `AccountData` for `spec`; the same spec always gives the same records."""
    rng = random.Random(spec.seed)
    data = AccountData(spec.account_sid)
    plans = _rate_plans(rng, spec, data)
    _wireless_sims(rng, spec, data, plans)
    fleets = _fleets(rng, spec, data)
    sims = _super_sims(rng, spec, data, fleets)
    count = spec.esim_profiles if spec.esim_profiles is not None else len(sims) // 4
    _esim_profiles(rng, spec, data, sims, count)
    count = spec.ip_commands if spec.ip_commands is not None else len(sims)
    _ip_commands(rng, spec, data, sims, count)
    count = spec.sms_commands if spec.sms_commands is not None else len(sims)
    _sms_commands(rng, spec, data, sims, count)
    _network_access_profiles(random.Random(f"{spec.seed}-network-access-profiles"), spec, data)
    count = spec.wireless_commands if spec.wireless_commands is not None else len(data.records["wireless_sims"]) // 10
    _wireless_commands(random.Random(f"{spec.seed}-wireless-commands"), spec, data, count)
    _settings_updates(random.Random(f"{spec.seed}-settings-updates"), spec.now, data)
    attach_usage(data, spec.seed, spec.now, network_choices())
    return data


def _created_updated(rng, now, oldest_days, recent_share=0.1, recent_days=3):
    """A (date_created, date_updated) pair of epoch seconds, updated >= created, some updated recently."""
    created = now - 3600 - int(rng.random() * (oldest_days * DAY - 3600))
    if rng.random() < recent_share:
        updated = max(created, now - int(rng.random() * recent_days * DAY))
    else:
        updated = created + int(rng.random() * (now - created))
    return created, updated


def _rate_plans(rng, spec, data):
    plans = []
    for index, (name, friendly, limit, weight) in enumerate(RATE_PLANS):
        created = spec.now - (900 - index * 30) * DAY
        record = {
            "sid": new_sid(rng, "WP"), "unique_name": spec.name_prefix + name, "account_sid": spec.account_sid,
            "friendly_name": friendly, "data_enabled": True, "data_metering": "payg", "data_limit": limit,
            "messaging_enabled": True, "voice_enabled": False, "national_roaming_enabled": index != 4,
            "national_roaming_data_limit": limit, "international_roaming": ["data", "messaging"] if index % 2 == 0 else [],
            "international_roaming_data_limit": limit if index % 2 == 0 else 0,
            "date_created": iso(created), "date_updated": iso(created + 5 * DAY), "url": None,
        }
        data.records["rate_plans"].append(record)
        plans.append((record["sid"], weight))
    return Weighted(plans)


def _wireless_sims(rng, spec, data, plans):
    records = data.records["wireless_sims"]
    hidden = data.hidden["wireless_sims"]
    base = 890126 * 10 ** 12 + spec.iccid_block * 10 ** 9
    for index in range(spec.wireless_sims):
        sid = new_sid(rng, "DE")
        kind = WIRELESS_KINDS[index % len(WIRELESS_KINDS)]
        named = rng.random() < 0.85
        created, updated = _created_updated(rng, spec.now, 540)
        records.append({
            "sid": sid,
            "unique_name": f"{spec.name_prefix}{kind}-{index:06d}" if named else None,
            "account_sid": spec.account_sid,
            "rate_plan_sid": plans.pick(rng),
            "friendly_name": f"{kind.title()} {index}" if rng.random() < 0.6 else None,
            "iccid": luhn_complete(str(base + index)),
            "e_id": f"89049032{digits(rng, 24)}" if rng.random() < 0.1 else None,
            "status": WIRELESS_STATUS_MIX.pick(rng),
            "reset_status": "resetting" if rng.random() < 0.01 else None,
            "commands_callback_url": "https://iot.example.com/twilio/commands" if index % 3 == 0 else None,
            "commands_callback_method": "POST",
            "sms_fallback_method": "POST", "sms_fallback_url": None, "sms_method": "POST", "sms_url": None,
            "voice_fallback_method": "POST", "voice_fallback_url": None, "voice_method": "POST", "voice_url": None,
            "date_created": iso(created), "date_updated": iso(updated), "url": None, "links": None,
            "ip_address": None,
        })
        hidden[sid] = {"registration_code": sid[-10:].upper()}


def _fleets(rng, spec, data):
    fleets = []
    for index, (name, weight) in enumerate(FLEETS):
        created = spec.now - (700 - index * 40) * DAY
        sms = index % 2 == 0
        record = {
            "account_sid": spec.account_sid, "sid": new_sid(rng, "HF"), "unique_name": spec.name_prefix + name,
            "date_created": iso(created), "date_updated": iso(created + 3 * DAY), "url": None,
            "data_enabled": True, "data_limit": 250 * (index + 1), "data_metering": "payg",
            "sms_commands_enabled": sms, "sms_commands_url": "https://iot.example.com/twilio/sms" if sms else None,
            "sms_commands_method": "POST", "network_access_profile_sid": new_sid(rng, "HA"),
            "ip_commands_url": "https://iot.example.com/twilio/ip" if index % 3 == 0 else None,
            "ip_commands_method": "POST",
        }
        data.records["fleets"].append(record)
        fleets.append((record["sid"], weight))
    return Weighted(fleets)


def _super_sims(rng, spec, data, fleets):
    """Generate Super SIMs; returns them (records) for linking commands and profiles."""
    records = data.records["supersim_sims"]
    hidden = data.hidden["supersim_sims"]
    base = 8988307 * 10 ** 12 + spec.iccid_block * 10 ** 9
    for index in range(spec.super_sims):
        sid = new_sid(rng, "HS")
        status = SUPER_SIM_STATUS_MIX.pick(rng)
        created, updated = _created_updated(rng, spec.now, 365)
        kind = SUPER_SIM_KINDS[index % len(SUPER_SIM_KINDS)]
        unfleeted = status == "new" and rng.random() < 0.5
        records.append({
            "sid": sid,
            "unique_name": f"{spec.name_prefix}{kind}-{index:06d}" if rng.random() < 0.85 else None,
            "account_sid": spec.account_sid,
            "iccid": luhn_complete(str(base + index)),
            "status": status,
            "fleet_sid": None if unfleeted else fleets.pick(rng),
            "date_created": iso(created), "date_updated": iso(updated), "url": None, "links": None,
        })
        addresses = []
        if status == "active":
            addresses.append({"ip_address": f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}",
                              "ip_address_version": "IPv4"})
        hidden[sid] = {"ip_addresses": addresses}
    return records


def _esim_profiles(rng, spec, data, sims, count):
    candidates = rng.sample(sims, min(count, len(sims)))
    for sim in candidates:
        status = ESIM_STATUS_MIX.pick(rng)
        linked = status != "new"
        matching_id = "-".join(digits(rng, 4) for dummy in range(4)) if status in ("available", "downloaded", "installed") else None
        error = rng.choice(ESIM_ERRORS) if status == "failed" else (None, None)
        created, updated = _created_updated(rng, spec.now, 300)
        data.records["esim_profiles"].append({
            "sid": new_sid(rng, "HP"), "account_sid": spec.account_sid,
            "iccid": sim["iccid"] if linked else None, "sim_sid": sim["sid"] if linked else None,
            "status": status, "eid": f"89049032{digits(rng, 24)}",
            "smdp_plus_address": SMDP_ADDRESS if status not in ("new", "reserving") else None,
            "matching_id": matching_id,
            "activation_code": f"LPA:1${SMDP_ADDRESS}${matching_id}" if matching_id else None,
            "error_code": error[0], "error_message": error[1],
            "date_created": iso(created), "date_updated": iso(updated), "url": None,
        })


def _command_sims(sims):
    """SIMs that exchange commands: the active ones, or all of them if none is active."""
    return [sim for sim in sims if sim["status"] == "active"] or sims


def _command_times(rng, now):
    created = now - rng.randint(60, 28 * DAY)
    return iso(created), iso(min(now, created + rng.randint(0, 600)))


def _ip_commands(rng, spec, data, sims, count):
    pool = _command_sims(sims)
    if not pool:
        return
    for dummy in range(count):
        sim = rng.choice(pool)
        to_sim = rng.random() < 0.6
        status = IP_TO_SIM_STATUS_MIX.pick(rng) if to_sim else "received"
        binary = not to_sim or rng.random() < 0.3
        payload = base64.b64encode(rng.randbytes(12)).decode() if binary else rng.choice(TEXT_PAYLOADS)
        created, updated = _command_times(rng, spec.now)
        data.records["ip_commands"].append({
            "sid": new_sid(rng, "HG"), "account_sid": spec.account_sid, "sim_sid": sim["sid"],
            "sim_iccid": sim["iccid"], "status": status, "direction": "to_sim" if to_sim else "from_sim",
            "device_ip": None if status == "queued" else f"100.64.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "device_port": rng.choice((4242, 6767, 10000)), "payload_type": "binary" if binary else "text",
            "payload": payload, "date_created": created, "date_updated": updated, "url": None,
        })


def _sms_commands(rng, spec, data, sims, count):
    pool = _command_sims(sims)
    if not pool:
        return
    for dummy in range(count):
        sim = rng.choice(pool)
        to_sim = rng.random() < 0.6
        created, updated = _command_times(rng, spec.now)
        data.records["sms_commands"].append({
            "sid": new_sid(rng, "HC"), "account_sid": spec.account_sid, "sim_sid": sim["sid"],
            "payload": rng.choice(TEXT_PAYLOADS), "status": SMS_TO_SIM_STATUS_MIX.pick(rng) if to_sim else "received",
            "direction": "to_sim" if to_sim else "from_sim", "date_created": created, "date_updated": updated,
            "url": None,
        })


def _network_access_profiles(rng, spec, data):
    """One Network Access Profile per fleet (the fleet's `network_access_profile_sid`), created just before
    it, allowing a few networks of the catalogue."""
    catalogue = [record["sid"] for record in NETWORK_CATALOGUE.records]
    for fleet in data.records["fleets"]:
        created = fleet["date_created"]
        add_network_access_profile(data, fleet["network_access_profile_sid"], f"{fleet['unique_name']}-nap",
                                   created, rng.sample(catalogue, rng.randint(2, 5)))


def add_network_access_profile(data, sid, unique_name, created, networks):
    """Add a Network Access Profile record (and its hidden network list) to `data`."""
    data.records["network_access_profiles"].append({
        "sid": sid, "unique_name": unique_name, "account_sid": data.account_sid, "date_created": created,
        "date_updated": created, "url": None, "links": None,
    })
    data.hidden["network_access_profiles"][sid] = {"networks": list(networks)}


def _wireless_commands(rng, spec, data, count):
    pool = _command_sims(data.records["wireless_sims"])
    if not pool:
        return
    for dummy in range(count):
        sim = rng.choice(pool)
        to_sim = rng.random() < 0.6
        binary = rng.random() < 0.2
        created, updated = _command_times(rng, spec.now)
        data.records["commands"].append({
            "sid": new_sid(rng, "DC"), "account_sid": spec.account_sid, "sim_sid": sim["sid"],
            "command": base64.b64encode(rng.randbytes(9)).decode() if binary else rng.choice(TEXT_PAYLOADS),
            "command_mode": "binary" if binary else "text", "transport": "ip" if rng.random() < 0.1 else "sms",
            "delivery_receipt_requested": rng.random() < 0.9,
            "status": SMS_TO_SIM_STATUS_MIX.pick(rng) if to_sim else "received",
            "direction": "to_sim" if to_sim else "from_sim", "date_created": created, "date_updated": updated,
            "url": None,
        })


SETTINGS_UPDATE_SHARE = 0.3
SETTINGS_UPDATE_STATUS_MIX = Weighted([("successful", 60), ("failed", 10), ("in-progress", 10), ("scheduled", 20)])
SETTINGS_PACKAGES = (("base-settings", "1.0.0"), ("base-settings", "1.1.0"), ("base-settings", "1.2.1"),
                     ("iot-settings", "2.0.3"))
PACKAGE_DOCS = "https://twilio.com/docs/iot/supersim/settings-packages/"


def settings_package(name, version):
    return {"name": name, "version": version, "more_info": PACKAGE_DOCS + name}


def _settings_updates(rng, now, data):
    """A few Settings Updates for a share of the Super SIMs that left `new`: the older ones finished
    (`successful`, `failed`), the newest of a SIM in any status; `date_completed` for successful ones."""
    for sim in data.records["supersim_sims"]:
        if sim["status"] == "new" or rng.random() >= SETTINGS_UPDATE_SHARE:
            continue
        created = max(0, int(now - rng.random() * 180 * DAY))
        for index in range(1 + int(rng.random() * 3)):
            newest = index == 0
            status = SETTINGS_UPDATE_STATUS_MIX.pick(rng) if newest else ("failed" if rng.random() < 0.15 else "successful")
            stamp = max(fast_epoch(sim["date_created"]), created - index * (1 + int(rng.random() * 30)) * DAY)
            done = stamp + int(rng.random() * 3600) if status in ("successful", "failed") else stamp
            name, version = SETTINGS_PACKAGES[int(rng.random() * len(SETTINGS_PACKAGES))]
            data.records["settings_updates"].append({
                "sid": new_sid(rng, "OB"), "iccid": sim["iccid"], "sim_sid": sim["sid"], "status": status,
                "packages": [settings_package(name, version)],
                "date_completed": iso(done) if status == "successful" else None,
                "date_created": iso(stamp), "date_updated": iso(min(now, done)),
            })


def network_choices():
    """[(network SID, ISO country)] of the catalogue: where usage is attributed."""
    return [(record["sid"], record["iso_country"]) for record in NETWORK_CATALOGUE.records]


# The Networks catalogue: (friendly name, ISO country, ((MCC, MNC), ...)).
NETWORKS = (
    ("AT&T", "US", (("310", "410"), ("310", "170"))), ("T-Mobile", "US", (("310", "260"), ("310", "200"))),
    ("Rogers", "CA", (("302", "720"),)), ("Telcel", "MX", (("334", "020"),)),
    ("Vodafone", "DE", (("262", "02"),)), ("Telekom", "DE", (("262", "01"),)), ("O2", "DE", (("262", "03"),)),
    ("EE", "GB", (("234", "30"), ("234", "33"))), ("Vodafone", "GB", (("234", "15"),)),
    ("Orange", "FR", (("208", "01"),)), ("SFR", "FR", (("208", "10"),)), ("KPN", "NL", (("204", "08"),)),
    ("Vodafone", "NL", (("204", "04"),)), ("Telstra", "AU", (("505", "01"),)), ("NTT Docomo", "JP", (("440", "10"),)),
)


@dataclass
class Catalogue:
    """Records shared by every account, with their hidden fields."""

    records: list
    hidden: dict


def _network_catalogue():
    rng = random.Random("networks")
    records, hidden = [], {}
    for name, country, identifiers in NETWORKS:
        sid = new_sid(rng, "HW")
        records.append({"sid": sid, "friendly_name": name, "url": None, "iso_country": country,
                        "identifiers": [{"mcc": mcc, "mnc": mnc} for mcc, mnc in identifiers]})
        hidden[sid] = {"mcc": sorted({mcc for mcc, mnc in identifiers}), "mnc": sorted({mnc for mcc, mnc in identifiers})}
    return Catalogue(records, hidden)


NETWORK_CATALOGUE = _network_catalogue()
SHARED = {"networks": NETWORK_CATALOGUE}

UNREGISTERED_ICCID_BLOCK = 998


def unregistered_sims(seed, count):
    """`{iccid: registration code}`: Super SIMs that no account owns yet, ready to be registered (the same
    for the same seed). 20-digit Luhn ICCIDs `8988307998...`, 10-digit registration codes."""
    rng = random.Random(f"{seed}-unregistered-sims")
    base = 8988307 * 10 ** 12 + UNREGISTERED_ICCID_BLOCK * 10 ** 9
    return {luhn_complete(str(base + index)): digits(rng, 10) for index in range(count)}


def resource_fields(name):
    """The fields a fleet record of resource `name` holds: all of its schema's properties."""
    return BY_NAME[name].fields
