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
