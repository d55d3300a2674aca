"""Fixture files: exact fleets written by hand (JSON or YAML), completed into full records.

See README.md in this folder for the format. Records may be partial; every missing property gets a
default, SIDs and ICCIDs are generated deterministically, and records may refer to a rate plan, a fleet,
a Network Access Profile or a SIM by SID or unique name. A fleet whose Network Access Profile is not listed
gets one (so every fleet's `network_access_profile_sid` names a served profile).
"""
import datetime
import json
import random

from .fleet import (DAY, NETWORK_CATALOGUE, SMDP_ADDRESS, AccountData, add_network_access_profile, digits, iso,
                    luhn_complete, new_sid, resource_fields)
from .resources import BY_NAME
from .usage import DAY as USAGE_DAY
from .usage import LIVE_STATUSES, USED_STATUSES, Usage, attach_usage, fast_epoch

# Order matters: referenced resources are completed before the records that refer to them.
ORDER = ("rate_plans", "wireless_sims", "commands", "network_access_profiles", "fleets", "supersim_sims",
         "esim_profiles", "ip_commands", "sms_commands", "settings_updates")

DEFAULTS = {
    "rate_plans": {
        "unique_name": None, "friendly_name": None, "data_enabled": True, "data_metering": "payg", "data_limit": 1000,
        "messaging_enabled": True, "voice_enabled": False, "national_roaming_enabled": True,
        "national_roaming_data_limit": 1000, "international_roaming": ["data", "messaging"],
        "international_roaming_data_limit": 1000,
    },
    "wireless_sims": {
        "unique_name": None, "rate_plan_sid": None, "friendly_name": None, "e_id": None, "status": "active",
        "reset_status": None, "commands_callback_url": None, "commands_callback_method": "POST",
        "sms_fallback_method": "POST", "sms_fallback_url": None, "sms_method": "POST", "sms_url": None,
        "voice_fallback_method": "POST", "voice_fallback_url": None, "voice_method": "POST", "voice_url": None,
        "ip_address": None,
    },
    "commands": {
        "sim_sid": None, "command": "ping", "command_mode": "text", "transport": "sms",
        "delivery_receipt_requested": True, "status": "delivered", "direction": "to_sim",
    },
    "network_access_profiles": {"unique_name": None},
    "fleets": {
        "unique_name": None, "data_enabled": True, "data_limit": 250, "data_metering": "payg",
        "sms_commands_enabled": False, "sms_commands_url": None, "sms_commands_method": "POST",
        "ip_commands_url": None, "ip_commands_method": "POST",
    },
    "supersim_sims": {"unique_name": None, "status": "active", "fleet_sid": None},
    "esim_profiles": {
        "iccid": None, "sim_sid": None, "status": "installed", "matching_id": None, "activation_code": None,
        "error_code": None, "error_message": None,
    },
    "ip_commands": {
        "sim_sid": None, "sim_iccid": None, "status": "sent", "direction": "to_sim", "device_ip": None,
        "device_port": 6767, "payload_type": "text", "payload": "ping",
    },
    "sms_commands": {"sim_sid": None, "payload": "ping", "status": "delivered", "direction": "to_sim"},
    "settings_updates": {
        "iccid": None, "sim_sid": None, "status": "successful", "date_completed": None,
        "packages": [{"name": "base-settings", "version": "1.0.0",
                      "more_info": "https://twilio.com/docs/iot/supersim/settings-packages/base-settings"}],
    },
}

# Convenience keys a fixture record may carry besides schema properties.
REFERENCES = {
    "wireless_sims": {"rate_plan": ("rate_plans", "rate_plan_sid")},
    "commands": {"sim": ("wireless_sims", "sim_sid")},
    "fleets": {"network_access_profile": ("network_access_profiles", "network_access_profile_sid")},
    "supersim_sims": {"fleet": ("fleets", "fleet_sid")},
    "esim_profiles": {"sim": ("supersim_sims", "sim_sid")},
    "ip_commands": {"sim": ("supersim_sims", "sim_sid")},
    "sms_commands": {"sim": ("supersim_sims", "sim_sid")},
    "settings_updates": {"sim": ("supersim_sims", "sim_sid")},
}
HIDDEN_KEYS = {"wireless_sims": ("registration_code", "usage"), "supersim_sims": ("ip_addresses", "usage"),
               "network_access_profiles": ("networks",)}
USAGE_KEYS = ("upload_per_hour", "download_per_hour", "network", "silent_days")
PRODUCTS = {"wireless_sims": "wireless", "supersim_sims": "supersim"}
AGE_KEYS = ("created_days_ago", "updated_days_ago")


class FixtureError(ValueError):
    """A fixture file that cannot be loaded."""


def load_file(path):
    """Parse a fixture file: YAML for .yml/.yaml, JSON otherwise."""
    with open(path, encoding="utf-8") as handle:
        if str(path).endswith((".yml", ".yaml")):
            import yaml
            return yaml.safe_load(handle) or {}
        return json.load(handle)


def build_accounts(fixture, primary_account, seed, now):
    """`{account_sid: AccountData}` from a fixture dict: top-level resources belong to `primary_account`,
    `accounts: {AC...: {...}}` gives other accounts' records."""
    if not isinstance(fixture, dict):
        raise FixtureError("a fixture must be a mapping of resource names to lists of records")
    known = set(ORDER) | {"accounts"}
    unknown = set(fixture) - known
    if unknown:
        raise FixtureError(f"unknown fixture keys: {sorted(unknown)} (expected {sorted(known)})")
    rng = random.Random(f"fixture-{seed}")
    own = {name: records for name, records in fixture.items() if name != "accounts"}
    result = {primary_account: build_account(own, primary_account, rng, now)}
    for account_sid, resources in (fixture.get("accounts") or {}).items():
        result[account_sid] = build_account(resources, account_sid, rng, now)
    return result


def build_account(resources, account_sid, rng, now):
    """One account's `AccountData` from `{resource name: [partial records]}`."""
    unknown = set(resources) - set(ORDER)
    if unknown:
        raise FixtureError(f"unknown fixture keys: {sorted(unknown)}")
    data = AccountData(account_sid)
    for name in ORDER:
        for index, raw in enumerate(resources.get(name) or []):
            if not isinstance(raw, dict):
                raise FixtureError(f"{name}[{index}] must be a mapping")
            record, hidden = complete(name, dict(raw), index, data, rng, now)
            data.records[name].append(record)
            data.hidden[name][record["sid"]] = hidden
        _check_unique(name, data.records[name])
    explicit = {}
    for name, product in PRODUCTS.items():
        for index, record in enumerate(data.records[name]):
            spec = data.hidden[name][record["sid"]].pop("usage", None)
            if spec is not None:
                explicit[record["sid"]] = _usage(name, product, index, record, spec, now)
    attach_usage(data, f"fixture-{account_sid}", now, _networks(), explicit)
    return data


def _networks():
    return [(record["sid"], record["iso_country"]) for record in NETWORK_CATALOGUE.records]


def _usage(name, product, index, record, spec, now):
    """The `Usage` of a SIM whose fixture entry gives `usage: {upload_per_hour, download_per_hour, network,
    silent_days}` (data from its creation until now, or `silent_days` before now; until `date_updated` for a
    SIM no longer active)."""
    where = f"{name}[{index}]"
    if not isinstance(spec, dict) or set(spec) - set(USAGE_KEYS):
        raise FixtureError(f"{where}: usage must be a mapping with keys among {list(USAGE_KEYS)}")
    if record["status"] not in USED_STATUSES[product]:
        raise FixtureError(f"{where}: usage given for a SIM in status {record['status']!r}, which never used data")
    match = None
    if spec.get("network") is not None:
        match = next((r for r in NETWORK_CATALOGUE.records if spec["network"] in (r["sid"], r["friendly_name"])), None)
        if match is None:
            raise FixtureError(f"{where}: usage network {spec['network']!r} names no network of the catalogue")
    match = match or NETWORK_CATALOGUE.records[index % len(NETWORK_CATALOGUE.records)]
    try:
        upload, download = int(spec.get("upload_per_hour", 0)), int(spec.get("download_per_hour", 0))
        silent = int(spec.get("silent_days") or 0)
    except (TypeError, ValueError):
        raise FixtureError(f"{where}: usage rates and silent_days must be integers") from None
    created, updated = fast_epoch(record["date_created"]), fast_epoch(record["date_updated"])
    live = record["status"] in LIVE_STATUSES
    deactivated = None if live else max(created, updated)
    end = min(now if live else deactivated, now - silent * USAGE_DAY)
    used = upload + download > 0 and end > created
    return Usage(upload, download, created if used else None, end if used else None, created, deactivated,
                 match["sid"], match["iso_country"], silent=bool(silent))


def complete(name, raw, index, data, rng, now):
    """A full record (and its hidden fields) from fixture entry `raw`, the `index`-th of its resource."""
    fields = resource_fields(name)
    allowed = (set(fields) - {"url", "links"}) | set(REFERENCES.get(name, {})) | set(HIDDEN_KEYS.get(name, ())) | set(AGE_KEYS)
    unknown = set(raw) - allowed
    if unknown:
        raise FixtureError(f"{name}[{index}]: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    hidden = {key: raw.pop(key) for key in HIDDEN_KEYS.get(name, ()) if key in raw}
    _resolve_references(name, raw, index, data)
    _fill_dates(raw, index, now)
    record = dict(DEFAULTS[name])
    record.update(raw)
    record["sid"] = raw.get("sid") or new_sid(rng, BY_NAME[name].prefix)
    record["account_sid"] = data.account_sid
    _fill_specific(name, record, index, data, rng)
    _fill_hidden(name, record, hidden, index)
    return {f: record.get(f) for f in fields}, hidden


def _resolve_references(name, raw, index, data):
    for key, (target, field) in REFERENCES.get(name, {}).items():
        if key not in raw:
            continue
        value = raw.pop(key)
        match = find(data.records[target], value)
        if value is not None and match is None:
            raise FixtureError(f"{name}[{index}]: {key} {value!r} names no record in {target}")
        raw[field] = match["sid"] if match else None
        if target == "supersim_sims" and match:
            iccid_field = "sim_iccid" if name == "ip_commands" else "iccid"
            if iccid_field in resource_fields(name):
                raw.setdefault(iccid_field, match["iccid"])


def find(records, value):
    """The record whose SID or unique_name is `value`, or None."""
    for record in records:
        if value is not None and value in (record["sid"], record.get("unique_name")):
            return record
    return None


def _timestamp(value):
    """Canonical Twilio timestamp from a string or a datetime (YAML parses timestamps itself)."""
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    else:
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
    return iso(int(moment.timestamp()))


def _fill_dates(raw, index, now):
    """Dates from explicit values, from `*_days_ago`, or by default one hour apart, the first record newest."""
    created_ago = raw.pop("created_days_ago", None)
    updated_ago = raw.pop("updated_days_ago", None)
    if raw.get("date_created") is not None:
        raw["date_created"] = _timestamp(raw["date_created"])
    elif created_ago is not None:
        raw["date_created"] = iso(int(now - float(created_ago) * DAY))
    else:
        raw["date_created"] = iso(now - (index + 1) * 3600)
    if raw.get("date_updated") is not None:
        raw["date_updated"] = _timestamp(raw["date_updated"])
    elif updated_ago is not None:
        raw["date_updated"] = iso(int(now - float(updated_ago) * DAY))
    else:
        raw["date_updated"] = raw["date_created"]


def _fill_specific(name, record, index, data, rng):
    """Defaults that depend on the record or need generating."""
    if name == "wireless_sims" and not record.get("iccid"):
        record["iccid"] = luhn_complete(f"89012699{index:010d}")
    elif name == "supersim_sims" and not record.get("iccid"):
        record["iccid"] = luhn_complete(f"898830799{index:010d}")
    elif name == "fleets":
        if not record.get("network_access_profile_sid"):
            record["network_access_profile_sid"] = new_sid(rng, "HA")
        if find(data.records["network_access_profiles"], record["network_access_profile_sid"]) is None:
            add_network_access_profile(data, record["network_access_profile_sid"], None, record["date_created"], [])
    elif name == "esim_profiles":
        if "eid" not in record:
            record["eid"] = f"89049032{digits(rng, 24)}"
        if "smdp_plus_address" not in record:
            record["smdp_plus_address"] = None if record["status"] in ("new", "reserving") else SMDP_ADDRESS
    elif name == "ip_commands" and record["sim_iccid"] is None and record["sim_sid"]:
        match = find(data.records["supersim_sims"], record["sim_sid"])
        record["sim_iccid"] = match["iccid"] if match else None


def _fill_hidden(name, record, hidden, index):
    if name == "wireless_sims":
        hidden.setdefault("registration_code", record["sid"][-10:].upper())
    elif name == "supersim_sims":
        if "ip_addresses" not in hidden:
            active = record["status"] == "active"
            hidden["ip_addresses"] = [f"10.200.{index // 250}.{index % 250 + 1}"] if active else []
        hidden["ip_addresses"] = [_ip_address(entry) for entry in hidden["ip_addresses"] or []]
    elif name == "network_access_profiles":
        hidden["networks"] = [_network_sid(value, index) for value in hidden.get("networks") or []]


def _network_sid(value, index):
    """The SID of a catalogue network given by SID or friendly name."""
    match = next((r for r in NETWORK_CATALOGUE.records if value in (r["sid"], r["friendly_name"])), None)
    if match is None:
        raise FixtureError(f"network_access_profiles[{index}]: network {value!r} names no network of the catalogue")
    return match["sid"]


def _ip_address(entry):
    if isinstance(entry, dict):
        return {"ip_address": entry.get("ip_address"), "ip_address_version": entry.get("ip_address_version", "IPv4")}
    return {"ip_address": str(entry), "ip_address_version": "IPv6" if ":" in str(entry) else "IPv4"}


def _check_unique(name, records):
    for field in ("sid", "unique_name"):
        seen = set()
        for record in records:
            value = record.get(field)
            if value is not None and value in seen:
                raise FixtureError(f"{name}: duplicate {field} {value!r}")
            seen.add(value)
