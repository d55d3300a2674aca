"""Declarative description of every resource the simulator serves.

Each `Resource` names its product, URL path, list key, SID prefix, the properties of its OpenAPI schema
(in the schema's order), its list filters and `links`, and, for the writable ones, the form parameters of
its create and update operations (`Param`) with Twilio's rules: required parameters, enums, references by SID
or unique name, unique names, status transitions, asynchronous changes (`Settle`), fields that a status needs
(`Requirement`), command lifecycles (`Lifecycle`) and the error codes of each case (`Code`). The HTTP layer,
the writer and the fleet builder are driven by this table; nothing else in the simulator knows about
individual resources.
"""
from dataclasses import dataclass

WIRELESS_SIM_STATUSES = ("new", "ready", "active", "suspended", "deactivated", "canceled", "scheduled", "updating")
SUPER_SIM_STATUSES = ("new", "ready", "active", "inactive", "scheduled")
SUPER_SIM_STATUS_UPDATES = ("ready", "active", "inactive")
ESIM_PROFILE_STATUSES = ("new", "reserving", "available", "downloaded", "installed", "failed")
IP_COMMAND_STATUSES = ("queued", "sent", "received", "failed")
SETTINGS_UPDATE_STATUSES = ("scheduled", "in-progress", "successful", "failed")
SMS_COMMAND_STATUSES = ("queued", "sent", "delivered", "received", "failed")
WIRELESS_COMMAND_STATUSES = ("queued", "sent", "delivered", "received", "failed")
DIRECTIONS = ("to_sim", "from_sim")
TRANSPORTS = ("sms", "ip")
COMMAND_MODES = ("text", "binary")
PAYLOAD_TYPES = ("text", "binary")
INCLUDE_SID = ("none", "start", "end")
DATA_METERING = ("payg", "quota-1", "quota-10", "quota-50")
DATA_LIMIT_STRATEGIES = ("block", "throttle")
INTERNATIONAL_ROAMING = ("data", "messaging")
HTTP_METHODS = ("GET", "POST")
MAX_DATA_LIMIT = 2_000_000  # 2 TB in MB

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 1000

# Requested status -> the statuses it may be requested from. A request for the current status is a no-op;
# any other request (`new`, `canceled`, the transitional `scheduled`/`updating`, or anything out of
# `deactivated`/`canceled`) is refused.
WIRELESS_SIM_TRANSITIONS = (
    ("ready", ("new",)),
    ("active", ("new", "ready", "suspended")),
    ("suspended", ("ready", "active")),
    ("deactivated", ("new", "ready", "active", "suspended")),
)
SUPER_SIM_TRANSITIONS = (
    ("ready", ("new",)),
    ("active", ("new", "ready", "inactive")),
    ("inactive", ("ready", "active")),
)


@dataclass(frozen=True)
class Code:
    """An error answer: HTTP status and Twilio error code."""

    status: int
    code: int


INVALID = Code(400, 20001)
CONFLICT = Code(409, 20409)
NOT_FOUND = Code(404, 20404)

# Settle values: the value the request asked for.
REQUESTED = "<requested>"


@dataclass(frozen=True)
class Settle:
    """An asynchronous change: with `settle_seconds` > 0 the field shows `interim` (answered with HTTP
    `http_status`) and becomes `final` that many seconds later; with 0 it is `final` at once."""

    interim: object
    final: object = REQUESTED
    http_status: int = 200


@dataclass(frozen=True)
class Param:
    """A form parameter of a create or update: `name` (UpperCamelCase) sets record field `field`.

    `field` None: accepted and validated but not part of the record (callback URLs, `IncludeSid`, ...);
    `hidden`: stored among the record's hidden fields instead (a profile's networks). `kind`: string, boolean,
    integer, uri (absolute http(s) URL; empty clears), method (GET or POST) or array (repeated parameter).
    `default` is the create default of the field. `ref` names the resource whose SID or unique name the value
    gives (stored as that SID; an empty value clears it); `unknown` is the error for a value naming nothing,
    `ref_statuses` the statuses the referenced record must be in (else `ref_status_error`), `copy` pairs
    (field, referenced field) copied along. `unique`: unique per account (else the resource's `conflict`).
    `transitions` make it a status: ((requested, (allowed current statuses)), ...), else `transition_error`.
    """

    name: str
    field: str = None
    kind: str = "string"
    choices: tuple = ()
    default: object = None
    required: bool = False
    missing: Code = INVALID
    ref: str = None
    unknown: Code = INVALID
    ref_statuses: tuple = ()
    ref_status_error: Code = INVALID
    copy: tuple = ()
    hidden: str = None
    unique: bool = False
    minimum: int = None
    maximum: int = None
    pattern: str = None
    transitions: tuple = ()
    transition_error: Code = INVALID
    settle: Settle = None


@dataclass(frozen=True)
class Size:
    """How long message parameter `param` may be, in the unit Twilio's description states: `chars` characters
    (Unicode code points) or `text_bytes` bytes of UTF-8 in text mode; `binary_bytes` bytes in binary mode, where
    the value must be Base64 and is counted decoded. `mode`: the parameter choosing the mode (text when absent);
    `sid` and `sid_chars`: the parameter that puts the record's SID in the text (any value but `none`) and the
    characters the text may then have. A longer value answers 400 with `code`."""

    param: str
    mode: str = None
    chars: int = None
    text_bytes: int = None
    binary_bytes: int = None
    sid: str = None
    sid_chars: int = None
    code: Code = None


@dataclass(frozen=True)
class Requirement:
    """`field` must be set while the status is one of `statuses`: `missing` answers a status change into
    them without it, `removed` clearing it while in them."""

    field: str
    statuses: tuple
    missing: Code
    removed: Code


@dataclass(frozen=True)
class Exclusive:
    """Parameters that cannot be given together."""

    params: tuple
    error: Code


@dataclass(frozen=True)
class Address:
    """A field that gets, at the first lifecycle step, the IP address of the `ref` record its `by` field names
    (its first hidden `ip_addresses` entry, else one derived from its SID)."""

    field: str
    ref: str
    by: str


@dataclass(frozen=True)
class Lifecycle:
    """Statuses a created record goes through, one every `command_step_seconds`: `steps` after the initial
    status; a `text_field` matching `fails_when` (a regular expression searched in it; by default "fail" in any
    case), or a drawn failure, ends in `failed` after the first step; when `receipt_field` is false the lifecycle
    stops after the first step. `address`: filled at the first step. `outcome` names the fields filled at the
    last step (writes.OUTCOMES: an eSIM profile's activation code, or its error on failure)."""

    field: str
    steps: tuple
    text_field: str
    failed: str = "failed"
    receipt_field: str = None
    address: Address = None
    fails_when: str = "(?i)fail"
    outcome: str = None


@dataclass(frozen=True)
class AnyOf:
    """At least one of `params` must be given (a boolean one as true), else `error`."""

    params: tuple
    error: Code


@dataclass(frozen=True)
class Move:
    """Update parameter `param` moves the record to another account: one the simulator serves (standing in for
    the caller's subaccounts), else `unknown`; only while the record's status is one of `statuses`, else
    `status_error`. Afterwards the record is the other account's: gone from the caller's listings and fetches."""

    param: str
    statuses: tuple
    unknown: Code = INVALID
    status_error: Code = INVALID


@dataclass(frozen=True)
class Register:
    """Creating claims a registrable record from the simulator's pool: `key` (field and parameter) and
    `code` (parameter) must match a pool entry (else `invalid`); a record of the account already holding that
    key answers `owned`."""

    key: str
    param: str
    code: str
    invalid: Code
    owned: Code


@dataclass(frozen=True)
class Parent:
    """A sub-resource listing members of a parent record: `/{parent path}/{Sid}/{path}`. The parent's hidden
    field `members` lists the member SIDs; members are records of `source` plus `field` (the parent's SID)."""

    resource: str
    field: str
    members: str
    source: str
    key: str


@dataclass(frozen=True)
class Link:
    """One entry of a record's `links`: `template` formatted with the record's fields plus `base` (the
    server's base URL); left out while the record's `needs` field is empty."""

    name: str
    template: str
    needs: str = None


@dataclass(frozen=True)
class Filter:
    """A list filter: query parameter `param` matches record field `field` exactly.

    `choices` makes the parameter an enum (other values give 400 20001). `ref` names the resource
    whose SID or unique name the value may give (the value is resolved to that record's SID first).
    `hidden` marks a field that is not part of the served record (kept aside by the fleet); `multi` a field
    holding a list of values, any of which matches.
    """

    param: str
    field: str
    choices: tuple = ()
    ref: str = None
    hidden: bool = False
    multi: bool = False


@dataclass(frozen=True)
class Resource:
    """One list/fetch resource: `/{product}/v1/{path}` and `/{product}/v1/{path}/{Sid}`, and its writes:
    `create` (POST on the list), `update` (POST on a record), `deletable` (DELETE on a record)."""

    name: str
    product: str
    path: str
    key: str
    prefix: str
    schema: str
    fields: tuple
    filters: tuple = ()
    by_unique_name: bool = False
    label: str = ""
    links: tuple = ()
    shared: bool = False
    parent: Parent = None
    create: tuple = None
    update: tuple = None
    deletable: bool = False
    initial: tuple = ()
    conflict: Code = CONFLICT
    requirements: tuple = ()
    exclusive: tuple = ()
    in_use_by: tuple = ()
    lifecycle: Lifecycle = None
    register: Register = None
    fetchable: bool = True
    sizes: tuple = ()
    any_of: tuple = ()
    move: Move = None

    def collection_url(self, base_url, parent=None):
        """Absolute URL of the list endpoint (`parent`: the parent record's SID of a sub-resource)."""
        return f"{base_url}/{self.product}/v1/{self.path.format(parent=parent)}"

    def writes(self):
        """(operation, params) of the writes it accepts: create, update, delete."""
        operations = [("create", self.create), ("update", self.update), ("delete", () if self.deletable else None)]
        return [(operation, params) for operation, params in operations if params is not None]


def method(name, field=None, default=None):
    return Param(name, field, kind="method", default=default)


def uri(name, field=None):
    return Param(name, field, kind="uri")


CALLBACK = (method("CallbackMethod"), uri("CallbackUrl"))
CALLBACK_URL_FIRST = CALLBACK[::-1]  # the order of some operations' parameters in the description
ACCOUNT_SID_PARAM = Param("AccountSid", pattern=r"AC[0-9a-fA-F]{32}")
SIM_LINKS = (Link("data_sessions", "{url}/DataSessions"),
             Link("rate_plan", "{base}/wireless/v1/RatePlans/{rate_plan_sid}", needs="rate_plan_sid"),
             Link("usage_records", "{url}/UsageRecords"))
READY_OR_ACTIVE = ("ready", "active")

RESOURCES = (
    Resource(
        name="rate_plans", product="wireless", path="RatePlans", key="rate_plans", prefix="WP",
        schema="wireless.v1.rate_plan", by_unique_name=True, label="Rate Plan",
        fields=("sid", "unique_name", "account_sid", "friendly_name", "data_enabled", "data_metering", "data_limit",
                "messaging_enabled", "voice_enabled", "national_roaming_enabled", "national_roaming_data_limit",
                "international_roaming", "international_roaming_data_limit", "date_created", "date_updated", "url"),
        create=(
            Param("UniqueName", "unique_name", unique=True), Param("FriendlyName", "friendly_name"),
            Param("DataEnabled", "data_enabled", kind="boolean", default=True),
            Param("DataLimit", "data_limit", kind="integer", default=1000, minimum=1, maximum=MAX_DATA_LIMIT),
            Param("DataMetering", "data_metering", choices=DATA_METERING, default="payg"),
            Param("MessagingEnabled", "messaging_enabled", kind="boolean", default=True),
            Param("VoiceEnabled", "voice_enabled", kind="boolean", default=False),
            Param("NationalRoamingEnabled", "national_roaming_enabled", kind="boolean", default=True),
            Param("InternationalRoaming", "international_roaming", kind="array", choices=INTERNATIONAL_ROAMING,
                  default=("data", "messaging")),
            Param("NationalRoamingDataLimit", "national_roaming_data_limit", kind="integer", default=1000, minimum=0,
                  maximum=MAX_DATA_LIMIT),
            Param("InternationalRoamingDataLimit", "international_roaming_data_limit", kind="integer", default=1000,
                  minimum=0, maximum=MAX_DATA_LIMIT),
            Param("DataLimitStrategy", choices=DATA_LIMIT_STRATEGIES),
        ),
        update=(Param("UniqueName", "unique_name", unique=True), Param("FriendlyName", "friendly_name")),
        deletable=True, in_use_by=(("wireless_sims", "rate_plan_sid"),),
    ),
    Resource(
        name="wireless_sims", product="wireless", path="Sims", key="sims", prefix="DE",
        schema="wireless.v1.sim", by_unique_name=True, label="Sim", links=SIM_LINKS,
        fields=("sid", "unique_name", "account_sid", "rate_plan_sid", "friendly_name", "iccid", "e_id", "status",
                "reset_status", "commands_callback_url", "commands_callback_method", "sms_fallback_method",
                "sms_fallback_url", "sms_method", "sms_url", "voice_fallback_method", "voice_fallback_url",
                "voice_method", "voice_url", "date_created", "date_updated", "url", "links", "ip_address"),
        filters=(
            Filter("Status", "status", choices=WIRELESS_SIM_STATUSES),
            Filter("Iccid", "iccid"),
            Filter("RatePlan", "rate_plan_sid", ref="rate_plans"),
            Filter("EId", "e_id"),
            Filter("SimRegistrationCode", "registration_code", hidden=True),
        ),
        update=(
            Param("UniqueName", "unique_name", unique=True), *CALLBACK, Param("FriendlyName", "friendly_name"),
            Param("RatePlan", "rate_plan_sid", ref="rate_plans", unknown=Code(400, 33108)),
            Param("Status", "status", choices=WIRELESS_SIM_STATUSES, transitions=WIRELESS_SIM_TRANSITIONS,
                  transition_error=Code(400, 33105), settle=Settle("updating")),
            method("CommandsCallbackMethod", "commands_callback_method"),
            uri("CommandsCallbackUrl", "commands_callback_url"),
            method("SmsFallbackMethod", "sms_fallback_method"), uri("SmsFallbackUrl", "sms_fallback_url"),
            method("SmsMethod", "sms_method"), uri("SmsUrl", "sms_url"),
            method("VoiceFallbackMethod", "voice_fallback_method"), uri("VoiceFallbackUrl", "voice_fallback_url"),
            method("VoiceMethod", "voice_method"), uri("VoiceUrl", "voice_url"),
            Param("ResetStatus", "reset_status", choices=("resetting",), settle=Settle(REQUESTED, final=None)),
            ACCOUNT_SID_PARAM,
        ),
        requirements=(Requirement("rate_plan_sid", READY_OR_ACTIVE, missing=Code(400, 33104), removed=Code(400, 33101)),),
        exclusive=(Exclusive(("Status", "ResetStatus"), Code(400, 33121)),),
        deletable=True, move=Move("AccountSid", statuses=("new",)),
    ),
    Resource(
        name="commands", product="wireless", path="Commands", key="commands", prefix="DC",
        schema="wireless.v1.command", label="Command",
        fields=("sid", "account_sid", "sim_sid", "command", "command_mode", "transport", "delivery_receipt_requested",
                "status", "direction", "date_created", "date_updated", "url"),
        filters=(
            Filter("Sim", "sim_sid", ref="wireless_sims"),
            Filter("Status", "status", choices=WIRELESS_COMMAND_STATUSES),
            Filter("Direction", "direction", choices=DIRECTIONS),
            Filter("Transport", "transport", choices=TRANSPORTS),
        ),
        create=(
            Param("Command", "command", required=True),
            Param("Sim", "sim_sid", required=True, ref="wireless_sims", unknown=Code(400, 33107),
                  ref_statuses=READY_OR_ACTIVE, ref_status_error=Code(400, 33104)),
            *CALLBACK,
            Param("CommandMode", "command_mode", choices=COMMAND_MODES, default="text"),
            Param("IncludeSid", choices=INCLUDE_SID),
            Param("DeliveryReceiptRequested", "delivery_receipt_requested", kind="boolean", default=True),
        ),
        # "For text mode messages, this can be up to 160 characters. For binary mode messages, this is a series of up
        # to 140 bytes of data encoded using base64"; with IncludeSid "the SMS body must be 128 characters or less".
        sizes=(Size("Command", mode="CommandMode", chars=160, binary_bytes=140, sid="IncludeSid", sid_chars=128),),
        initial=(("transport", "sms"), ("status", "queued"), ("direction", "to_sim")),
        deletable=True,
        lifecycle=Lifecycle("status", ("sent", "delivered"), text_field="command",
                            receipt_field="delivery_receipt_requested"),
    ),
    Resource(
        name="networks", product="supersim", path="Networks", key="networks", prefix="HW",
        schema="supersim.v1.network", label="Network", shared=True,
        fields=("sid", "friendly_name", "url", "iso_country", "identifiers"),
        filters=(
            Filter("IsoCountry", "iso_country"),
            Filter("Mcc", "mcc", hidden=True, multi=True),
            Filter("Mnc", "mnc", hidden=True, multi=True),
        ),
    ),
    Resource(
        name="network_access_profiles", product="supersim", path="NetworkAccessProfiles",
        key="network_access_profiles", prefix="HA", schema="supersim.v1.network_access_profile", by_unique_name=True,
        label="Network Access Profile", links=(Link("networks", "{url}/Networks"),),
        fields=("sid", "unique_name", "account_sid", "date_created", "date_updated", "url", "links"),
        create=(Param("UniqueName", "unique_name", unique=True),
                Param("Networks", kind="array", ref="networks", hidden="networks", default=())),
        update=(Param("UniqueName", "unique_name", unique=True),),
    ),
    Resource(
        name="nap_networks", product="supersim", path="NetworkAccessProfiles/{parent}/Networks", key="networks",
        prefix="HW", schema="supersim.v1.network_access_profile.network_access_profile_network", label="Network",
        fields=("sid", "network_access_profile_sid", "friendly_name", "iso_country", "identifiers", "url"),
        parent=Parent("network_access_profiles", "network_access_profile_sid", members="networks", source="networks",
                      key="NetworkAccessProfileSid"),
        create=(Param("Network", required=True, ref="networks"),),
        deletable=True,
    ),
    Resource(
        name="fleets", product="supersim", path="Fleets", key="fleets", prefix="HF",
        schema="supersim.v1.fleet", by_unique_name=True, label="Fleet",
        fields=("account_sid", "sid", "unique_name", "date_created", "date_updated", "url", "data_enabled", "data_limit",
                "data_metering", "sms_commands_enabled", "sms_commands_url", "sms_commands_method",
                "network_access_profile_sid", "ip_commands_url", "ip_commands_method"),
        filters=(Filter("NetworkAccessProfile", "network_access_profile_sid", ref="network_access_profiles"),),
        create=(
            Param("NetworkAccessProfile", "network_access_profile_sid", required=True, ref="network_access_profiles"),
            Param("UniqueName", "unique_name", unique=True),
            Param("DataEnabled", "data_enabled", kind="boolean", default=True),
            Param("DataLimit", "data_limit", kind="integer", default=1000, minimum=1, maximum=MAX_DATA_LIMIT),
            uri("IpCommandsUrl", "ip_commands_url"), method("IpCommandsMethod", "ip_commands_method", "POST"),
            Param("SmsCommandsEnabled", "sms_commands_enabled", kind="boolean", default=True),
            uri("SmsCommandsUrl", "sms_commands_url"), method("SmsCommandsMethod", "sms_commands_method", "POST"),
        ),
        update=(
            Param("UniqueName", "unique_name", unique=True),
            Param("NetworkAccessProfile", "network_access_profile_sid", ref="network_access_profiles"),
            uri("IpCommandsUrl", "ip_commands_url"), method("IpCommandsMethod", "ip_commands_method"),
            uri("SmsCommandsUrl", "sms_commands_url"), method("SmsCommandsMethod", "sms_commands_method"),
            Param("DataLimit", "data_limit", kind="integer", minimum=1, maximum=MAX_DATA_LIMIT),
        ),
        initial=(("data_metering", "payg"),),
    ),
    Resource(
        name="supersim_sims", product="supersim", path="Sims", key="sims", prefix="HS",
        schema="supersim.v1.sim", by_unique_name=True, label="Super SIM",
        links=(Link("billing_periods", "{url}/BillingPeriods"), Link("sim_ip_addresses", "{url}/IpAddresses")),
        fields=("sid", "unique_name", "account_sid", "iccid", "status", "fleet_sid", "date_created", "date_updated",
                "url", "links"),
        filters=(
            Filter("Status", "status", choices=SUPER_SIM_STATUSES),
            Filter("Fleet", "fleet_sid", ref="fleets"),
            Filter("Iccid", "iccid"),
        ),
        create=(Param("Iccid", required=True, missing=Code(400, 83001)),
                Param("RegistrationCode", required=True, missing=Code(400, 83001))),
        register=Register("iccid", "Iccid", "RegistrationCode", invalid=Code(400, 83002), owned=Code(409, 83003)),
        initial=(("status", "new"),),
        update=(
            Param("UniqueName", "unique_name", unique=True),
            Param("Status", "status", choices=SUPER_SIM_STATUS_UPDATES, transitions=SUPER_SIM_TRANSITIONS,
                  transition_error=Code(400, 83010), settle=Settle("scheduled", http_status=202)),
            Param("Fleet", "fleet_sid", ref="fleets", unknown=Code(400, 83006)),
            *CALLBACK_URL_FIRST, ACCOUNT_SID_PARAM,
        ),
        conflict=Code(409, 83011),
        requirements=(Requirement("fleet_sid", READY_OR_ACTIVE, missing=Code(400, 83007), removed=Code(400, 83008)),),
        move=Move("AccountSid", statuses=("new",)),
    ),
    Resource(
        name="esim_profiles", product="supersim", path="ESimProfiles", key="esim_profiles", prefix="HP",
        schema="supersim.v1.esim_profile", label="eSIM Profile",
        fields=("sid", "account_sid", "iccid", "sim_sid", "status", "eid", "smdp_plus_address", "matching_id",
                "activation_code", "error_code", "error_message", "date_created", "date_updated", "url"),
        filters=(
            Filter("Eid", "eid"),
            Filter("SimSid", "sim_sid"),
            Filter("Status", "status", choices=ESIM_PROFILE_STATUSES),
        ),
        # An EID is 32 digits; "GenerateMatchingId: When set to `true`, a value for `Eid` does not need to be provided".
        # (its CallbackUrl is a plain string in the description, not a `uri`)
        create=(Param("CallbackUrl"), method("CallbackMethod"), Param("GenerateMatchingId", kind="boolean", hidden="generate_matching_id"),
                Param("Eid", "eid", pattern=r"[0-9]{32}")),
        any_of=(AnyOf(("Eid", "GenerateMatchingId"), INVALID),),
        initial=(("status", "new"),),
        # Ordering reserves a profile (`reserving`), which then becomes `available` with its activation code; an EID
        # ending in eight nines stands for one the SM-DP+ refuses (`failed`, with the error code and message).
        lifecycle=Lifecycle("status", ("reserving", "available"), text_field="eid", fails_when=r"9{8}$",
                            outcome="esim_profile"),
    ),
    Resource(
        name="ip_commands", product="supersim", path="IpCommands", key="ip_commands", prefix="HG",
        schema="supersim.v1.ip_command", label="IP Command",
        fields=("sid", "account_sid", "sim_sid", "sim_iccid", "status", "direction", "device_ip", "device_port",
                "payload_type", "payload", "date_created", "date_updated", "url"),
        filters=(
            Filter("Sim", "sim_sid", ref="supersim_sims"),
            Filter("SimIccid", "sim_iccid"),
            Filter("Status", "status", choices=IP_COMMAND_STATUSES),
            Filter("Direction", "direction", choices=DIRECTIONS),
        ),
        create=(
            Param("Sim", "sim_sid", required=True, ref="supersim_sims", copy=(("sim_iccid", "iccid"),),
                  ref_statuses=READY_OR_ACTIVE),
            Param("Payload", "payload", required=True),
            Param("DevicePort", "device_port", kind="integer", required=True, minimum=0, maximum=65535),
            Param("PayloadType", "payload_type", choices=PAYLOAD_TYPES, default="text"),
            *CALLBACK_URL_FIRST,
        ),
        # "The payload cannot exceed 1300 bytes. If the PayloadType is set to text, the payload is encoded in UTF-8. If
        # PayloadType is set to binary, the payload is encoded in Base64."
        sizes=(Size("Payload", mode="PayloadType", text_bytes=1300, binary_bytes=1300),),
        initial=(("status", "queued"), ("direction", "to_sim")),
        lifecycle=Lifecycle("status", ("sent",), text_field="payload",
                            address=Address("device_ip", "supersim_sims", "sim_sid")),
    ),
    Resource(
        name="sms_commands", product="supersim", path="SmsCommands", key="sms_commands", prefix="HC",
        schema="supersim.v1.sms_command", label="SMS Command",
        fields=("sid", "account_sid", "sim_sid", "payload", "status", "direction", "date_created", "date_updated",
                "url"),
        filters=(
            Filter("Sim", "sim_sid", ref="supersim_sims"),
            Filter("Status", "status", choices=SMS_COMMAND_STATUSES),
            Filter("Direction", "direction", choices=DIRECTIONS),
        ),
        create=(
            Param("Sim", "sim_sid", required=True, ref="supersim_sims", ref_statuses=READY_OR_ACTIVE),
            Param("Payload", "payload", required=True),
            *CALLBACK,
        ),
        # "For text mode messages, this can be up to 160 characters."
        sizes=(Size("Payload", chars=160),),
        initial=(("status", "queued"), ("direction", "to_sim")),
        lifecycle=Lifecycle("status", ("sent", "delivered"), text_field="payload"),
    ),
)

# Resources served as a list only (no fetch by SID, no writes).
LIST_ONLY_RESOURCES = (
    Resource(
        name="settings_updates", product="supersim", path="SettingsUpdates", key="settings_updates", prefix="OB",
        schema="supersim.v1.settings_update", label="Settings Update", fetchable=False,
        fields=("sid", "iccid", "sim_sid", "status", "packages", "date_completed", "date_created", "date_updated"),
        filters=(
            Filter("Sim", "sim_sid", ref="supersim_sims"),
            Filter("Status", "status", choices=SETTINGS_UPDATE_STATUSES),
        ),
    ),
)
ALL_RESOURCES = RESOURCES + LIST_ONLY_RESOURCES

BY_NAME = {resource.name: resource for resource in ALL_RESOURCES}
# Resources kept as a table per account (sub-resources live in their parent's hidden fields).
TABLE_RESOURCES = tuple(resource for resource in ALL_RESOURCES if resource.parent is None)

# The Super SIM IP address sub-resource: /supersim/v1/Sims/{SimSid}/IpAddresses (no SIDs, no filters).
IP_ADDRESS_FIELDS = ("ip_address", "ip_address_version")
IP_ADDRESS_KEY = "ip_addresses"


@dataclass(frozen=True)
class Derived:
    """A list endpoint whose records are derived from usage profiles (usage.py, listings.py): `endpoint`
    names the handler, `path` the route under `/{product}/v1/` (`<ident>`: a SIM's SID or unique name),
    `resource` the SIM resource it belongs to, `key` the list key, `schema` the description's record schema."""

    endpoint: str
    product: str
    path: str
    resource: str
    key: str
    schema: str


DERIVED = (
    Derived("account_usage", "wireless", "UsageRecords", "wireless_sims", "usage_records",
            "wireless.v1.account_usage_record"),
    Derived("sim_usage", "wireless", "Sims/<ident>/UsageRecords", "wireless_sims", "usage_records",
            "wireless.v1.sim.usage_record"),
    Derived("data_sessions", "wireless", "Sims/<ident>/DataSessions", "wireless_sims", "data_sessions",
            "wireless.v1.sim.data_session"),
    Derived("supersim_usage", "supersim", "UsageRecords", "supersim_sims", "usage_records", "supersim.v1.usage_record"),
    Derived("billing_periods", "supersim", "Sims/<ident>/BillingPeriods", "supersim_sims", "billing_periods",
            "supersim.v1.sim.billing_period"),
)
DATA_SESSION_FIELDS = ("sid", "sim_sid", "account_sid", "radio_link", "operator_mcc", "operator_mnc", "operator_country",
                       "operator_name", "cell_id", "cell_location_estimate", "packets_uploaded", "packets_downloaded",
                       "last_updated", "start", "end", "imei")
BILLING_PERIOD_FIELDS = ("sid", "account_sid", "sim_sid", "start_time", "end_time", "period_type", "date_created",
                         "date_updated")


_LINK_TEMPLATES = {}


def links_for(resource, record, base_url):
    """The `links` map of a record, from its resource's `Link`s (templates with `{base}` filled in once per
    base URL, then formatted with the record's own fields)."""
    templates = _LINK_TEMPLATES.get((resource.name, base_url))
    if templates is None:
        templates = _LINK_TEMPLATES[(resource.name, base_url)] = [
            (link.name, link.template.replace("{base}", base_url), link.needs) for link in resource.links]
    return {name: template.format_map(record) for name, template, needs in templates if needs is None or record[needs]}
