# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The window_start filter: the created_after bound of the command listings."""

import datetime

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.filter.window_start import window_start


@pytest.mark.parametrize("days,now,expected", [
    (7, "2026-11-23T12:00:00Z", "2026-11-16T12:00:00Z"),
    ("0.5", "2026-11-23T12:00:00+02:00", "2026-11-22T22:00:00Z"),
    (0, "2026-11-23T12:00:00Z", "2026-11-23T12:00:00Z"),
])
def test_window_start(days, now, expected):
    assert window_start(days, now=now) == expected


def test_window_start_defaults_to_now():
    start = datetime.datetime.strptime(window_start(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    age = datetime.datetime.now(datetime.timezone.utc) - start
    assert datetime.timedelta(hours=23, minutes=59) < age < datetime.timedelta(days=1, minutes=1)


@pytest.mark.parametrize("days,now", [(-1, None), ("week", None), (7, "tomorrow"), (36501, None), ("inf", None)])
def test_window_start_refuses_bad_input(days, now):
    with pytest.raises(AnsibleFilterError):
        window_start(days, now=now)
