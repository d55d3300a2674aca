# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Declarative description of the Twilio list endpoints the collection reads.

Values and patterns follow Twilio's OpenAPI description of the Wireless and Super SIM v1 APIs.
Private to the collection: its interface may change between releases.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional, Tuple
from urllib.parse import quote, unquote

WIRELESS_SIM_STATUSES = ("new", "ready", "active", "suspended", "deactivated", "canceled", "scheduled", "updating")
SUPERSIM_SIM_STATUSES = ("new", "ready", "active", "inactive", "scheduled")
# The products: the key every option, group and report uses, and the name people read.
PRODUCT_NAMES = {"wireless": "Programmable Wireless", "supersim": "Super SIM"}
PRODUCTS = tuple(PRODUCT_NAMES)
# The SIM statuses Twilio documents, per product, in lifecycle order (new, ready, active, then those after active).
SIM_STATUSES = {"wireless": WIRELESS_SIM_STATUSES, "supersim": SUPERSIM_SIM_STATUSES}
# The longest window, in days, of Super SIM usage records grouped by SIM that Twilio answers (its error 83603).
USAGE_BY_SIM_MAX_DAYS = 31
ESIM_PROFILE_STATUSES = ("new", "reserving", "available", "downloaded", "installed", "failed")
IP_COMMAND_STATUSES = ("queued", "sent", "received", "failed")
SMS_COMMAND_STATUSES = ("queued", "sent", "delivered", "received", "failed")
DIRECTIONS = ("to_sim", "from_sim")
WIRELESS_DIRECTIONS = ("from_sim", "to_sim")  # the order of Twilio's Wireless enumeration

SID_PATTERNS = {
    "wireless_sim": r"^DE[0-9a-fA-F]{32}$",
    "rate_plan": r"^WP[0-9a-fA-F]{32}$",
    "supersim_sim": r"^HS[0-9a-fA-F]{32}$",
    "fleet": r"^HF[0-9a-fA-F]{32}$",
    "esim_profile": r"^HP[0-9a-fA-F]{32}$",
    "ip_command": r"^HG[0-9a-fA-F]{32}$",
    "sms_command": r"^HC[0-9a-fA-F]{32}$",
    "wireless_command": r"^DC[0-9a-fA-F]{32}$",
    "network_access_profile": r"^HA[0-9a-fA-F]{32}$",
    "network": r"^HW[0-9a-fA-F]{32}$",
    # Twilio's description gives a DataSession's sid no pattern: any non-empty string is one.
    "data_session": r"(?s).+",
    "billing_period": r"^HB[0-9a-fA-F]{32}$",
    "settings_update": r"^OB[0-9a-fA-F]{32}$",
}
CALLBACK_METHODS = ("GET", "POST")
MAX_IDENTIFIER_LENGTH = 256
PAYLOAD_TYPES = ("text", "binary")
WIRELESS_COMMAND_STATUSES = ("queued", "sent", "delivered", "received", "failed")
FINAL_COMMAND_STATUSES = ("delivered", "received", "failed")
# An IP command to a SIM ends C(sent) (it went out to the device) or C(failed); C(received) is for commands from a SIM.
FINAL_IP_COMMAND_STATUSES = ("sent", "received", "failed")
# The statuses of a SIM that Twilio sends commands to (it refuses a command to a SIM in any other).
COMMAND_SIM_STATUSES = ("ready", "active")
SETTINGS_UPDATE_STATUSES = ("scheduled", "in-progress", "successful", "failed")
WIRELESS_USAGE_GRANULARITIES = ("hourly", "daily", "all")
SUPERSIM_USAGE_GRANULARITIES = ("hour", "day", "all")
SUPERSIM_USAGE_GROUPS = ("sim", "fleet", "network", "isoCountry")
# Relative times: a signed number of seconds, minutes, hours, days or weeks from now (-30d, -12h, +1h).
RELATIVE_TIME = re.compile(r"([+-])([0-9]{1,6})([smhdw])")
RELATIVE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# The ISO 8601 forms a time option takes, read the same way by every supported Python: a date, or a date and time
# (to the minute, second or fraction of a second) with an optional zone (Z or +HH:MM).
ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?")
# Times outside these bounds are refused: nothing of Twilio's is older, and later ones only overflow.
EARLIEST_TIME = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
LATEST_TIME = datetime.datetime(9000, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass(frozen=True)
class Filter:
    """A list filter: the module option, the Twilio query parameter it becomes, and what values it takes.

    choices: the allowed values (an enumeration of Twilio's description); pattern: a SID pattern the value must
    match, for options that take only a SID; removed_in_version: the collection release that drops the option;
    time: the value is a moment, given as ISO 8601 or relative to now (``-30d``), sent to Twilio as UTC ISO 8601;
    default: the value Twilio assumes when the filter is not given.
    """

    option: str
    param: str
    choices: Tuple[str, ...] = ()
    pattern: Optional[str] = None
    removed_in_version: Optional[str] = None
    time: bool = False
    default: Optional[str] = None


@dataclass(frozen=True)
class WindowLimit:
    """The longest time window Twilio answers when the option ``option`` has the value ``value``: ``days`` days or
    ``months`` calendar months; a longer one is refused with Twilio error ``code``."""

    option: str
    value: str
    code: int
    days: Optional[int] = None
    months: Optional[int] = None

    def earliest_start(self, end):
        return end - datetime.timedelta(days=self.days) if self.days is not None else months_before(end, self.months)

    @property
    def length(self):
        return "%d days" % self.days if self.days is not None else "%d months" % self.months


@dataclass(frozen=True)
class Window:
    """A time window given by two filters (their options ``start`` and ``end``): Twilio's defaults (the end now, the
    start ``default_months`` before the end), the windows it refuses, and how far back a start may reach
    (``max_age_months`` before the start of the current UTC day, else Twilio error ``max_age_code``)."""

    start: str
    end: str
    default_months: int = 1
    limits: Tuple[WindowLimit, ...] = ()
    max_age_months: Optional[int] = None
    max_age_code: Optional[int] = None


@dataclass(frozen=True)
class Expansion:
    """Records of a sub-resource added to each record on request: the bool option ``option`` lists endpoint
    ``endpoint`` under each record (its SID filling the parent ``parent``) into the record's field ``option``."""

    option: str
    endpoint: str
    parent: str


@dataclass(frozen=True)
class Length:
    """How long a message option may be, in the unit Twilio's description states for it.

    mode: the option that chooses text or binary (text when it is not set); chars: the most characters (Unicode code
    points) in text mode; text_bytes: the most bytes of UTF-8 in text mode; binary_bytes: the most bytes in binary
    mode, where the value is Base64 and is counted decoded; sid and sid_chars: the option that puts the record's SID in
    the text (any value but C(none)) and the most characters the text may then have.
    """

    mode: Optional[str] = None
    chars: Optional[int] = None
    text_bytes: Optional[int] = None
    binary_bytes: Optional[int] = None
    sid: Optional[str] = None
    sid_chars: Optional[int] = None


@dataclass(frozen=True)
class Field:
    """A writable field of a resource: the module option, the Twilio form parameter, and how to compare it.

    type: the option's type (C(str), C(int), C(bool), C(list)); choices: the allowed values; ref: the ENDPOINTS name
    of the resource the option names by SID or unique name (resolved to its SID before comparing and sending);
    record: the record field that holds the value (by default the option's name); create_only: Twilio takes it only
    when the resource is created, a different value on an existing one is an error; update_only: Twilio does not take
    it when creating the resource, so it is set right after; required_to_create: needed to create the resource;
    write_only: Twilio never shows it (a registration code, a callback for the change): sent with a write, never a
    change by itself; no_log: a secret; sets: a bool option asking for an action, true sends this value (and the
    record shows it until the action is done); bounds: the smallest and largest number
    Twilio takes; url: an absolute http or https URL; ref_statuses: the statuses the referenced record must have for
    Twilio to accept the write (a command goes only to a SIM that can receive it); default: the value Twilio assumes
    when the option is not sent; length: how long the value may be (a message).
    """

    option: str
    param: str
    type: str = "str"
    choices: Tuple[str, ...] = ()
    ref: Optional[str] = None
    record: Optional[str] = None
    create_only: bool = False
    update_only: bool = False
    required_to_create: bool = False
    write_only: bool = False
    no_log: bool = False
    sets: Optional[str] = None
    bounds: Optional[Tuple[int, int]] = None
    url: bool = False
    ref_statuses: Tuple[str, ...] = ()
    default: Optional[object] = None
    length: Optional[Length] = None

    @property
    def record_field(self):
        return self.record or self.option

    def form_value(self, value):
        """The value as Twilio's form parameter: booleans as C(true)/C(false), numbers as text."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, tuple)):
            return [self.form_value(item) for item in value]
        return str(value)


@dataclass(frozen=True)
class Endpoint:
    """One Twilio list endpoint, described once for the modules, the inventory and the tests.

    product: C(wireless) or C(supersim); path: the list path, with ``{name}`` placeholders for the parent
    resources named in ``parents``; key: the list key in Twilio's response and the module's result key;
    sid_pattern: what a SID of this resource looks like, None for records that have no SID (they are then never
    de-duplicated by SID); fetch_by_unique_name: the ``/{Sid}`` path also takes a
    unique name; secret_fields: fields redacted unless the user asks to reveal them; newest_first: Twilio lists
    the records newest first, so a time bound (the module option created_after) can stop paging early;
    fetchable: one record can be fetched by SID (``{path}/{Sid}``); per_parent: the endpoint that lists the same
    records for one parent (usage of one SIM), used when its parent options are set; window: the time window its
    filters span; expansions: sub-resources the info module can add to each record; created_with: fields Twilio gives
    every record it creates (a command's initial status and direction).
    """

    name: str
    product: str
    path: str
    key: str
    sid_pattern: Optional[str]
    filters: Tuple[Filter, ...] = ()
    parents: Tuple[str, ...] = ()
    fetch_by_unique_name: bool = False
    secret_fields: Tuple[str, ...] = ()
    newest_first: bool = False
    # The write side (state modules): the result key of the resource, its writable fields, the statuses each status
    # can be reached from (a status not listed can be reached from any), the transitional statuses that wait polls
    # through, the final statuses of a command, and whether Twilio creates or deletes the resource.
    item: Optional[str] = None
    fields: Tuple[Field, ...] = ()
    transitions: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    settling: Tuple[str, ...] = ()
    final_statuses: Tuple[str, ...] = ()
    creatable: bool = False
    deletable: bool = False
    fetchable: bool = True
    per_parent: Optional[str] = None
    window: Optional[Window] = None
    expansions: Tuple[Expansion, ...] = ()
    created_with: Tuple[Tuple[str, object], ...] = ()
    # What the inventory plugin (simfleet.twilio.sims) reads. hosts: the records are the inventory's hosts of the
    # product (its SIMs); group_by: the filter option naming the resource each record belongs to (a rate plan, a
    # fleet), whose SID the record holds in the field ``<group_by>_sid`` and whose records the endpoint named
    # group_endpoint lists (they name the groups); enrich: the item of the inventory's option enrich that adds this
    # endpoint's records to the hosts of its product.
    hosts: bool = False
    group_by: Optional[str] = None
    group_endpoint: Optional[str] = None
    enrich: Optional[str] = None

    def list_path(self, **parents):
        """The list path with its parent SIDs (or unique names) filled in, URL-quoted."""
        return self.path.format(**dict((name, quote(value, safe="")) for name, value in parents.items()))

    def fetch_path(self, sid, **parents):
        """The path of one record of this endpoint."""
        return "%s/%s" % (self.list_path(**parents), quote(sid, safe=""))

    def field(self, option):
        return next(f for f in self.fields if f.option == option)

    def filter_param(self, option):
        """The query parameter of the filter ``option``."""
        return next(f.param for f in self.filters if f.option == option)

    def allowed_from(self, status):
        """The statuses from which ``status`` can be reached, or None when any can."""
        return dict(self.transitions).get(status)


ENDPOINTS = dict((endpoint.name, endpoint) for endpoint in (
    Endpoint(
        name="wireless_sim", product="wireless", path="/v1/Sims", key="sims",
        filters=(
            Filter("status", "Status", choices=WIRELESS_SIM_STATUSES),
            Filter("iccid", "Iccid"),
            Filter("rate_plan", "RatePlan"),
            Filter("e_id", "EId", removed_in_version="3.0.0"),
            Filter("sim_registration_code", "SimRegistrationCode"),
        ),
        sid_pattern=SID_PATTERNS["wireless_sim"], fetch_by_unique_name=True,
        hosts=True, group_by="rate_plan", group_endpoint="wireless_rate_plan",
        item="sim", deletable=True,
        fields=(
            Field("status", "Status", choices=("ready", "active", "suspended", "deactivated")),
            Field("rate_plan", "RatePlan", ref="wireless_rate_plan", record="rate_plan_sid"),
            Field("unique_name", "UniqueName"),
            Field("friendly_name", "FriendlyName"),
            Field("callback_url", "CallbackUrl", url=True, write_only=True),
            Field("callback_method", "CallbackMethod", choices=CALLBACK_METHODS, write_only=True),
            Field("commands_callback_url", "CommandsCallbackUrl", url=True),
            Field("commands_callback_method", "CommandsCallbackMethod", choices=CALLBACK_METHODS),
            Field("sms_url", "SmsUrl", url=True),
            Field("sms_method", "SmsMethod", choices=CALLBACK_METHODS),
            Field("sms_fallback_url", "SmsFallbackUrl", url=True),
            Field("sms_fallback_method", "SmsFallbackMethod", choices=CALLBACK_METHODS),
            Field("voice_url", "VoiceUrl", url=True),
            Field("voice_method", "VoiceMethod", choices=CALLBACK_METHODS),
            Field("voice_fallback_url", "VoiceFallbackUrl", url=True),
            Field("voice_fallback_method", "VoiceFallbackMethod", choices=CALLBACK_METHODS),
            Field("reset", "ResetStatus", type="bool", record="reset_status", sets="resetting"),
        ),
        # Never back to new; ready only from new; nothing leaves deactivated or canceled (Twilio cancels on its own).
        transitions=(("ready", ("new",)), ("active", ("new", "ready", "active", "suspended")),
                     ("suspended", ("ready", "active", "suspended")),
                     ("deactivated", ("new", "ready", "active", "suspended", "deactivated"))),
        settling=("updating", "scheduled"),
    ),
    Endpoint(
        name="supersim_sim", product="supersim", path="/v1/Sims", key="sims",
        filters=(
            Filter("status", "Status", choices=SUPERSIM_SIM_STATUSES),
            Filter("fleet", "Fleet"),
            Filter("iccid", "Iccid"),
        ),
        sid_pattern=SID_PATTERNS["supersim_sim"], fetch_by_unique_name=True,
        hosts=True, group_by="fleet", group_endpoint="supersim_fleet",
        item="sim", creatable=True,
        fields=(
            Field("iccid", "Iccid", create_only=True, required_to_create=True),
            Field("registration_code", "RegistrationCode", create_only=True, required_to_create=True, write_only=True, no_log=True),
            Field("status", "Status", choices=("ready", "active", "inactive"), update_only=True),
            Field("fleet", "Fleet", ref="supersim_fleet", record="fleet_sid", update_only=True),
            Field("unique_name", "UniqueName", update_only=True),
            Field("callback_url", "CallbackUrl", url=True, write_only=True, update_only=True),
            Field("callback_method", "CallbackMethod", choices=CALLBACK_METHODS, write_only=True, update_only=True),
        ),
        transitions=(("ready", ("new",)), ("active", ("new", "ready", "active", "inactive")),
                     ("inactive", ("ready", "active", "inactive"))),
        settling=("scheduled",),
    ),
    Endpoint(
        name="supersim_esim_profile", product="supersim", path="/v1/ESimProfiles", key="esim_profiles",
        filters=(
            Filter("eid", "Eid"),
            Filter("sim_sid", "SimSid", pattern=SID_PATTERNS["supersim_sim"]),
            Filter("status", "Status", choices=ESIM_PROFILE_STATUSES),
        ),
        sid_pattern=SID_PATTERNS["esim_profile"], secret_fields=("activation_code", "matching_id"),
        enrich="esim_profiles",
        # Ordered, never changed: new, then reserving, then available (or failed).
        item="esim_profile", creatable=True,
        fields=(
            Field("eid", "Eid", create_only=True),
            Field("generate_matching_id", "GenerateMatchingId", type="bool", create_only=True, write_only=True),
            Field("callback_url", "CallbackUrl", url=True, create_only=True, write_only=True),
            Field("callback_method", "CallbackMethod", choices=CALLBACK_METHODS, create_only=True, write_only=True),
        ),
    ),
    Endpoint(
        name="supersim_ip_command", product="supersim", path="/v1/IpCommands", key="ip_commands",
        filters=(
            Filter("sim", "Sim"),
            Filter("sim_iccid", "SimIccid"),
            Filter("status", "Status", choices=IP_COMMAND_STATUSES),
            Filter("direction", "Direction", choices=DIRECTIONS),
        ),
        sid_pattern=SID_PATTERNS["ip_command"], newest_first=True, enrich="ip_commands",
        item="command", creatable=True, final_statuses=FINAL_IP_COMMAND_STATUSES,
        created_with=(("status", "queued"), ("direction", "to_sim")),
        fields=(
            Field("sim", "Sim", ref="supersim_sim", record="sim_sid", required_to_create=True, ref_statuses=COMMAND_SIM_STATUSES),
            # At most 1300 bytes: UTF-8 text, or Base64 counted decoded.
            Field("payload", "Payload", required_to_create=True,
                  length=Length(mode="payload_type", text_bytes=1300, binary_bytes=1300)),
            Field("device_port", "DevicePort", type="int", required_to_create=True, bounds=(0, 65535)),
            Field("payload_type", "PayloadType", choices=PAYLOAD_TYPES, default="text"),
            Field("callback_url", "CallbackUrl", url=True, write_only=True),
            Field("callback_method", "CallbackMethod", choices=CALLBACK_METHODS, write_only=True),
        ),
    ),
    Endpoint(
        name="supersim_sms_command", product="supersim", path="/v1/SmsCommands", key="sms_commands",
        filters=(
            Filter("sim", "Sim"),
            Filter("status", "Status", choices=SMS_COMMAND_STATUSES),
            Filter("direction", "Direction", choices=DIRECTIONS),
        ),
        sid_pattern=SID_PATTERNS["sms_command"], newest_first=True, enrich="sms_commands",
        item="command", creatable=True, final_statuses=FINAL_COMMAND_STATUSES,
        created_with=(("status", "queued"), ("direction", "to_sim")),
        fields=(
            Field("sim", "Sim", ref="supersim_sim", record="sim_sid", required_to_create=True, ref_statuses=COMMAND_SIM_STATUSES),
            # "For text mode messages, this can be up to 160 characters."
            Field("payload", "Payload", required_to_create=True, length=Length(chars=160)),
            Field("callback_url", "CallbackUrl", url=True, write_only=True),
            Field("callback_method", "CallbackMethod", choices=CALLBACK_METHODS, write_only=True),
        ),
    ),
    Endpoint(
        name="wireless_command", product="wireless", path="/v1/Commands", key="commands",
        filters=(
            Filter("sim", "Sim"),
            Filter("status", "Status", choices=WIRELESS_COMMAND_STATUSES),
            Filter("direction", "Direction", choices=WIRELESS_DIRECTIONS),
            Filter("transport", "Transport", choices=("sms", "ip")),
        ),
        sid_pattern=SID_PATTERNS["wireless_command"], newest_first=True,
        item="command", creatable=True, deletable=True, final_statuses=FINAL_COMMAND_STATUSES,
        created_with=(("status", "queued"), ("direction", "to_sim"), ("transport", "sms")),
        fields=(
            Field("sim", "Sim", ref="wireless_sim", record="sim_sid", required_to_create=True, ref_statuses=COMMAND_SIM_STATUSES),
            # Up to 160 characters of text (128 when the command's SID is included), or up to 140 bytes in Base64.
            Field("command", "Command", required_to_create=True,
                  length=Length(mode="command_mode", chars=160, binary_bytes=140, sid="include_sid", sid_chars=128)),
            Field("command_mode", "CommandMode", choices=PAYLOAD_TYPES, default="text"),
            Field("include_sid", "IncludeSid", choices=("none", "start", "end")),
            Field("delivery_receipt_requested", "DeliveryReceiptRequested", type="bool", default=True),
            Field("callback_url", "CallbackUrl", url=True, write_only=True),
            Field("callback_method", "CallbackMethod", choices=CALLBACK_METHODS, write_only=True),
        ),
    ),
    Endpoint(
        name="wireless_rate_plan", product="wireless", path="/v1/RatePlans", key="rate_plans",
        sid_pattern=SID_PATTERNS["rate_plan"], fetch_by_unique_name=True, enrich="rate_plan",
        item="rate_plan", creatable=True, deletable=True,
        # Twilio changes only the friendly name of an existing plan: everything else is create-only.
        fields=(
            Field("unique_name", "UniqueName", required_to_create=True),
            Field("friendly_name", "FriendlyName"),
            Field("data_enabled", "DataEnabled", type="bool", create_only=True),
            Field("data_limit", "DataLimit", type="int", create_only=True),
            Field("data_metering", "DataMetering", choices=("payg", "quota-1", "quota-10", "quota-50"), create_only=True),
            Field("messaging_enabled", "MessagingEnabled", type="bool", create_only=True),
            Field("voice_enabled", "VoiceEnabled", type="bool", create_only=True),
            Field("national_roaming_enabled", "NationalRoamingEnabled", type="bool", create_only=True),
            Field("national_roaming_data_limit", "NationalRoamingDataLimit", type="int", create_only=True),
            Field("international_roaming", "InternationalRoaming", type="list", choices=("data", "messaging"), create_only=True),
            Field("international_roaming_data_limit", "InternationalRoamingDataLimit", type="int", create_only=True),
            # Not part of the plan's record: sent at creation, never compared.
            Field("data_limit_strategy", "DataLimitStrategy", choices=("block", "throttle"), create_only=True,
                  write_only=True),
        ),
    ),
    Endpoint(
        name="supersim_fleet", product="supersim", path="/v1/Fleets", key="fleets",
        sid_pattern=SID_PATTERNS["fleet"], fetch_by_unique_name=True, enrich="fleet",
        filters=(Filter("network_access_profile", "NetworkAccessProfile"),),
        item="fleet", creatable=True,
        fields=(
            Field("unique_name", "UniqueName", required_to_create=True),
            Field("network_access_profile", "NetworkAccessProfile", ref="supersim_network_access_profile",
                  record="network_access_profile_sid", required_to_create=True),
            Field("data_limit", "DataLimit", type="int", bounds=(1, 2000000)),
            Field("ip_commands_url", "IpCommandsUrl", url=True),
            Field("ip_commands_method", "IpCommandsMethod", choices=CALLBACK_METHODS),
            Field("sms_commands_url", "SmsCommandsUrl", url=True),
            Field("sms_commands_method", "SmsCommandsMethod", choices=CALLBACK_METHODS),
            Field("data_enabled", "DataEnabled", type="bool", create_only=True),
            Field("sms_commands_enabled", "SmsCommandsEnabled", type="bool", create_only=True),
        ),
    ),
    Endpoint(
        name="supersim_network_access_profile", product="supersim", path="/v1/NetworkAccessProfiles",
        key="network_access_profiles", sid_pattern=SID_PATTERNS["network_access_profile"], fetch_by_unique_name=True,
        item="network_access_profile", creatable=True,
        fields=(Field("unique_name", "UniqueName", required_to_create=True),),
        expansions=(Expansion("networks", "supersim_network_access_profile_network", "network_access_profile"),),
    ),
    Endpoint(
        name="supersim_network_access_profile_network", product="supersim",
        path="/v1/NetworkAccessProfiles/{network_access_profile}/Networks", key="networks",
        parents=("network_access_profile",), sid_pattern=SID_PATTERNS["network"], creatable=True, deletable=True,
        fetchable=False,
        fields=(Field("network", "Network", ref="supersim_network", record="sid", required_to_create=True),),
    ),
    Endpoint(
        name="supersim_network", product="supersim", path="/v1/Networks", key="networks",
        filters=(Filter("iso_country", "IsoCountry"), Filter("mcc", "Mcc"), Filter("mnc", "Mnc")),
        sid_pattern=SID_PATTERNS["network"],
    ),
    Endpoint(
        name="supersim_ip_address", product="supersim", path="/v1/Sims/{sim}/IpAddresses", key="ip_addresses",
        parents=("sim",), sid_pattern=None, fetchable=False, enrich="ip_addresses",
    ),
    Endpoint(
        name="supersim_billing_period", product="supersim", path="/v1/Sims/{sim}/BillingPeriods", key="billing_periods",
        parents=("sim",), sid_pattern=SID_PATTERNS["billing_period"], fetchable=False,
    ),
    Endpoint(
        name="supersim_settings_update", product="supersim", path="/v1/SettingsUpdates", key="settings_updates",
        filters=(Filter("sim", "Sim"), Filter("status", "Status", choices=SETTINGS_UPDATE_STATUSES)),
        sid_pattern=SID_PATTERNS["settings_update"], fetchable=False,
    ),
    Endpoint(
        name="supersim_usage_record", product="supersim", path="/v1/UsageRecords", key="usage_records",
        filters=(
            Filter("sim", "Sim"),
            Filter("fleet", "Fleet"),
            Filter("network", "Network", pattern=SID_PATTERNS["network"]),
            Filter("iso_country", "IsoCountry", pattern=r"[A-Z]{2}"),
            Filter("group", "Group", choices=SUPERSIM_USAGE_GROUPS),
            Filter("granularity", "Granularity", choices=SUPERSIM_USAGE_GRANULARITIES, default="all"),
            Filter("start_time", "StartTime", time=True),
            Filter("end_time", "EndTime", time=True),
        ),
        sid_pattern=None, fetchable=False, enrich="usage",
        # Twilio's errors 83603, 83604 and 83605; the granularity defaults to all.
        window=Window("start_time", "end_time", limits=(
            WindowLimit("group", "sim", 83603, days=USAGE_BY_SIM_MAX_DAYS),
            WindowLimit("granularity", "hour", 83604, days=31),
            WindowLimit("granularity", "day", 83604, months=3),
            WindowLimit("granularity", "all", 83604, months=18),
        ), max_age_months=18, max_age_code=83605),
    ),
    Endpoint(
        name="wireless_usage_record", product="wireless", path="/v1/UsageRecords", key="usage_records",
        filters=(
            Filter("start", "Start", time=True),
            Filter("end", "End", time=True),
            Filter("granularity", "Granularity", choices=WIRELESS_USAGE_GRANULARITIES, default="all"),
        ),
        sid_pattern=None, fetchable=False, per_parent="wireless_sim_usage_record", window=Window("start", "end"),
    ),
    Endpoint(
        name="wireless_sim_usage_record", product="wireless", path="/v1/Sims/{sim}/UsageRecords", key="usage_records",
        parents=("sim",),
        filters=(
            Filter("start", "Start", time=True),
            Filter("end", "End", time=True),
            Filter("granularity", "Granularity", choices=WIRELESS_USAGE_GRANULARITIES, default="all"),
        ),
        sid_pattern=None, fetchable=False, window=Window("start", "end"),
    ),
    Endpoint(
        name="wireless_data_session", product="wireless", path="/v1/Sims/{sim}/DataSessions", key="data_sessions",
        parents=("sim",), sid_pattern=SID_PATTERNS["data_session"], fetchable=False,
    ),
))

REDACTED = "<redacted>"


def parse_timestamp(value):
    """A timezone-aware datetime from an ISO 8601 timestamp such as Twilio's ``2026-11-21T21:32:06Z``; None if invalid.

    A timestamp without a zone is taken as UTC.
    """
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def parse_time(value, now):
    """The UTC moment, to the second (as Twilio is sent it), of an ISO 8601 date or timestamp (ISO_TIME), ``now``, or a
    time relative to ``now`` (an aware datetime) such as ``-30d``, ``-12h`` or ``+1w``; None if the value is none of
    these or falls outside EARLIEST_TIME and LATEST_TIME."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    relative = RELATIVE_TIME.fullmatch(text)
    try:
        if text.lower() == "now":
            moment = now
        elif relative:
            sign, count, unit = relative.groups()
            delta = datetime.timedelta(seconds=int(count) * RELATIVE_UNITS[unit])
            moment = now - delta if sign == "-" else now + delta
        elif ISO_TIME.fullmatch(text):
            moment = parse_timestamp(text)
        else:
            moment = None
        if moment is not None:
            moment = moment.astimezone(datetime.timezone.utc).replace(microsecond=0)
    except (OverflowError, ValueError):
        return None
    if moment is None or not EARLIEST_TIME <= moment <= LATEST_TIME:
        return None
    return moment


def utc_now():
    """The current time as the time options read it: UTC, to the second."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def format_time(moment):
    """A datetime as Twilio writes times: UTC, ISO 8601, to the second (``2026-11-21T21:32:06Z``)."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def months_before(moment, months):
    """The same day and time ``months`` calendar months earlier (the last day of the month when that day is missing)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (following - datetime.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def window_problems(endpoint, options, now):
    """Messages for a time window Twilio would refuse (with its error code), judged before any request."""
    window = endpoint.window
    if window is None:
        return []
    now = parse_time("now", now)
    moments = {}
    for option in (window.start, window.end):
        if options.get(option) is not None:
            moments[option] = parse_time(options[option], now)
    if None in moments.values():
        return []  # validate_filters reports the unreadable value
    end = moments.get(window.end) or now
    start = moments.get(window.start) or months_before(end, window.default_months)
    if start >= end:
        return ["%s must be before %s, got %s and %s" % (window.start, window.end, format_time(start), format_time(end))]
    problems = []
    defaults = dict((f.option, f.default) for f in endpoint.filters)
    for limit in window.limits:
        value = options.get(limit.option) or defaults.get(limit.option)
        if value == limit.value and start < limit.earliest_start(end):
            problems.append("a window from %s to %s is longer than the %s Twilio answers with %s %s (Twilio error %d)"
                            % (window.start, window.end, limit.length, limit.option, limit.value, limit.code))
    if window.max_age_months is not None:
        day_start = now.astimezone(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        if start < months_before(day_start, window.max_age_months):
            problems.append("%s must be at most %d months before the start of today (UTC), got %s (Twilio error %d)"
                            % (window.start, window.max_age_months, format_time(start), window.max_age_code))
    return problems


def created_before(bound):
    """A predicate true for records created before ``bound`` (a datetime): where a newest-first list can stop."""
    def older(record):
        created = parse_timestamp(record.get("date_created") or "")
        return created is not None and created < bound
    return older


def matches(pattern, value):
    """True when the whole of ``value`` matches ``pattern`` (a trailing newline does not slip through)."""
    return re.fullmatch(pattern, value) is not None


def blank(value):
    """True for a string value that says nothing: empty or only white space."""
    return isinstance(value, str) and not value.strip()


def identifier_problem(option, value):
    """Why ``value`` cannot name a record in a URL path (a SID or unique name), or None when it can.

    Empty, padded or overlong values, control and format characters, line separators, and path tokens (``.``, ``..``,
    ``/``, also percent-encoded or as look-alike Unicode) would address another resource than the one meant, for
    example the list itself.
    """
    if blank(value):
        return "%s must be a SID or a unique name, got %r" % (option, value)
    if len(value) > MAX_IDENTIFIER_LENGTH:
        return "%s must be at most %d characters long, got %d" % (option, MAX_IDENTIFIER_LENGTH, len(value))
    if value != value.strip() or any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in value):
        return "%s must not carry leading or trailing white space or control characters, got %r" % (option, value)
    decoded = value
    for dummy in range(3):
        decoded = unquote(decoded)
    decoded = unicodedata.normalize("NFKC", decoded)
    if decoded.strip() in (".", "..") or "/" in decoded or "\\" in decoded:
        return "%s must be a SID or a unique name, not a path, got %r" % (option, value)
    return None


def query_params(endpoint, options, now=None):
    """Twilio query parameters for the filters set in ``options`` (a dict keyed by option name); times are
    resolved against ``now`` (an aware datetime, by default the current time)."""
    now = parse_time("now", now or utc_now())
    params = {}
    for f in endpoint.filters:
        value = options.get(f.option)
        if value is not None:
            params[f.param] = format_time(parse_time(value, now)) if f.time else value
    window = endpoint.window
    if window is not None and options.get(window.start) is not None and options.get(window.end) is None:
        # The end is sent with every start: Twilio then judges the very window checked here, not one that ends
        # at its own, later, now.
        params[endpoint.filter_param(window.end)] = format_time(now)
    return params


def validate_filters(endpoint, options, now=None):
    """Return a list of messages, one per filter value Twilio would refuse; empty when all are valid. Times are
    judged against ``now`` (an aware datetime, by default the current time)."""
    now = parse_time("now", now or utc_now())
    problems = []
    for f in endpoint.filters:
        value = options.get(f.option)
        if value is None:
            continue
        if blank(value):
            problems.append("%s must not be empty or blank; leave it unset to list without it" % f.option)
            continue
        if f.choices and value not in f.choices:
            problems.append("%s must be one of %s, got %r" % (f.option, ", ".join(f.choices), value))
        if f.pattern and not matches(f.pattern, value):
            kind = "a SID" if f.pattern in SID_PATTERNS.values() else "a value"
            problems.append("%s must be %s matching %s, got %r" % (f.option, kind, f.pattern, value))
        if f.time and parse_time(value, now) is None:
            problems.append("%s must be an ISO 8601 date or time (2026-11-01, 2026-11-01T00:00:00Z), now, or a time "
                            "relative to now such as -30d, -12h or -2w; got %r" % (f.option, value))
    return problems + window_problems(endpoint, options, now)


def redact(endpoint, records):
    """Replace the endpoint's secret fields by a placeholder in place; null values stay null."""
    for record in records:
        for field in endpoint.secret_fields:
            if record.get(field) is not None:
                record[field] = REDACTED
    return records
