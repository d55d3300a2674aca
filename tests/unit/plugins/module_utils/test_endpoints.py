# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Timestamps for created_after."""

import datetime

import pytest

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import created_before, parse_timestamp

UTC = datetime.timezone.utc


@pytest.mark.parametrize("text,expected", [
    ("2026-11-21T21:32:06Z", datetime.datetime(2026, 11, 21, 21, 32, 6, tzinfo=UTC)),
    ("2026-11-21T21:32:06+00:00", datetime.datetime(2026, 11, 21, 21, 32, 6, tzinfo=UTC)),
    ("2026-11-21T23:32:06+02:00", datetime.datetime(2026, 11, 21, 21, 32, 6, tzinfo=UTC)),
    ("2026-11-21", datetime.datetime(2026, 11, 21, tzinfo=UTC)),
    ("yesterday", None),
    ("", None),
    (None, None),
])
def test_parse_timestamp(text, expected):
    assert parse_timestamp(text) == expected


def test_created_before():
    older = created_before(datetime.datetime(2026, 11, 1, tzinfo=UTC))
    assert older({"date_created": "2026-10-31T23:59:59Z"})
    assert not older({"date_created": "2026-11-01T00:00:00Z"})
    assert not older({"date_created": None})


# -- record SIDs follow Twilio's published description ----------------------------------------------------------------

def wireless_description():
    import json
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "openapi", "twilio_wireless_v1.json")
    with open(path) as handle:
        return json.load(handle)


def listed_sid(spec, endpoint):
    """The ``sid`` property of the records the description lists at the endpoint's path."""
    path = endpoint.path.replace("{sim}", "{SimSid}")
    schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    items = schema["properties"][endpoint.key]["items"]
    return spec["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]["properties"]["sid"]


@pytest.mark.parametrize("name", ["wireless_sim", "wireless_command", "wireless_rate_plan", "wireless_data_session"])
def test_a_sid_pattern_is_enforced_where_the_description_gives_one_and_any_sid_accepted_where_it_gives_none(name):
    from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS, matches

    endpoint = ENDPOINTS[name]
    sid = listed_sid(wireless_description(), endpoint)
    if "pattern" in sid:
        assert endpoint.sid_pattern == sid["pattern"]
        assert not matches(endpoint.sid_pattern, "session-1")
    else:
        for value in ("WN" + "0" * 32, "session-1", "x", "DS 42", "a\nb"):
            assert matches(endpoint.sid_pattern, value), value
    assert not matches(endpoint.sid_pattern, "")
