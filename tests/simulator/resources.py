"""Declarative description of every resource the simulator serves.

Each `Resource` names its product, URL path, list key, SID prefix, the properties of its OpenAPI schema
(in the schema's order) and its list filters. The HTTP layer and the fleet builder are driven by this
table; nothing else in the simulator knows about individual resources.
"""
from dataclasses import dataclass

WIRELESS_SIM_STATUSES = ("new", "ready", "active", "suspended", "deactivated", "canceled", "scheduled", "updating")
SUPER_SIM_STATUSES = ("new", "ready", "active", "inactive", "scheduled")
ESIM_PROFILE_STATUSES = ("new", "reserving", "available", "downloaded", "installed", "failed")
IP_COMMAND_STATUSES = ("queued", "sent", "received", "failed")
SMS_COMMAND_STATUSES = ("queued", "sent", "delivered", "received", "failed")
DIRECTIONS = ("to_sim", "from_sim")

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 1000


@dataclass(frozen=True)
class Filter:
    """A list filter: query parameter `param` matches record field `field` exactly.

    `choices` makes the parameter an enum (other values give 400 20001). `ref` names the resource
    whose SID or unique name the value may give (the value is resolved to that record's SID first).
    `hidden` marks a field that is not part of the served record (kept aside by the fleet).
    """

    param: str
    field: str
    choices: tuple = ()
    ref: str = None
    hidden: bool = False


@dataclass(frozen=True)
class Resource:
    """One list/fetch resource: `/{product}/v1/{path}` and `/{product}/v1/{path}/{Sid}`."""

    name: str
    product: str
    path: str
    key: str
    prefix: str
    schema: str
    fields: tuple
    filters: tuple = ()
    by_unique_name: bool = False

    def collection_url(self, base_url):
        """Absolute URL of the list endpoint."""
        return f"{base_url}/{self.product}/v1/{self.path}"


RESOURCES = (
    Resource(
        name="rate_plans", product="wireless", path="RatePlans", key="rate_plans", prefix="WP",
        schema="wireless.v1.rate_plan", by_unique_name=True,
        fields=("sid", "unique_name", "account_sid", "friendly_name", "data_enabled", "data_metering", "data_limit",
                "messaging_enabled", "voice_enabled", "national_roaming_enabled", "national_roaming_data_limit",
                "international_roaming", "international_roaming_data_limit", "date_created", "date_updated", "url"),
    ),
    Resource(
        name="wireless_sims", product="wireless", path="Sims", key="sims", prefix="DE",
        schema="wireless.v1.sim", by_unique_name=True,
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
    ),
    Resource(
        name="fleets", product="supersim", path="Fleets", key="fleets", prefix="HF",
        schema="supersim.v1.fleet", by_unique_name=True,
        fields=("account_sid", "sid", "unique_name", "date_created", "date_updated", "url", "data_enabled", "data_limit",
                "data_metering", "sms_commands_enabled", "sms_commands_url", "sms_commands_method",
                "network_access_profile_sid", "ip_commands_url", "ip_commands_method"),
        filters=(Filter("NetworkAccessProfile", "network_access_profile_sid"),),
    ),
    Resource(
        name="supersim_sims", product="supersim", path="Sims", key="sims", prefix="HS",
        schema="supersim.v1.sim", by_unique_name=True,
        fields=("sid", "unique_name", "account_sid", "iccid", "status", "fleet_sid", "date_created", "date_updated",
                "url", "links"),
        filters=(
            Filter("Status", "status", choices=SUPER_SIM_STATUSES),
            Filter("Fleet", "fleet_sid", ref="fleets"),
            Filter("Iccid", "iccid"),
        ),
    ),
    Resource(
        name="esim_profiles", product="supersim", path="ESimProfiles", key="esim_profiles", prefix="HP",
        schema="supersim.v1.esim_profile",
        fields=("sid", "account_sid", "iccid", "sim_sid", "status", "eid", "smdp_plus_address", "matching_id",
                "activation_code", "error_code", "error_message", "date_created", "date_updated", "url"),
        filters=(
            Filter("Eid", "eid"),
            Filter("SimSid", "sim_sid"),
            Filter("Status", "status", choices=ESIM_PROFILE_STATUSES),
        ),
    ),
    Resource(
        name="ip_commands", product="supersim", path="IpCommands", key="ip_commands", prefix="HG",
        schema="supersim.v1.ip_command",
        fields=("sid", "account_sid", "sim_sid", "sim_iccid", "status", "direction", "device_ip", "device_port",
                "payload_type", "payload", "date_created", "date_updated", "url"),
        filters=(
            Filter("Sim", "sim_sid", ref="supersim_sims"),
            Filter("SimIccid", "sim_iccid"),
            Filter("Status", "status", choices=IP_COMMAND_STATUSES),
            Filter("Direction", "direction", choices=DIRECTIONS),
        ),
    ),
    Resource(
        name="sms_commands", product="supersim", path="SmsCommands", key="sms_commands", prefix="HC",
        schema="supersim.v1.sms_command",
        fields=("sid", "account_sid", "sim_sid", "payload", "status", "direction", "date_created", "date_updated",
                "url"),
        filters=(
            Filter("Sim", "sim_sid", ref="supersim_sims"),
            Filter("Status", "status", choices=SMS_COMMAND_STATUSES),
            Filter("Direction", "direction", choices=DIRECTIONS),
        ),
    ),
)

BY_NAME = {resource.name: resource for resource in RESOURCES}

# The Super SIM IP address sub-resource: /supersim/v1/Sims/{SimSid}/IpAddresses (no SIDs, no filters).
IP_ADDRESS_FIELDS = ("ip_address", "ip_address_version")
IP_ADDRESS_KEY = "ip_addresses"


def links_for(resource, record, base_url):
    """The `links` map of a record (only SIM resources have one), or None."""
    if resource.name == "wireless_sims":
        url = record["url"]
        links = {"data_sessions": f"{url}/DataSessions"}
        if record.get("rate_plan_sid"):
            links["rate_plan"] = f"{base_url}/wireless/v1/RatePlans/{record['rate_plan_sid']}"
        links["usage_records"] = f"{url}/UsageRecords"
        return links
    if resource.name == "supersim_sims":
        url = record["url"]
        return {"billing_periods": f"{url}/BillingPeriods", "sim_ip_addresses": f"{url}/IpAddresses"}
    return None
