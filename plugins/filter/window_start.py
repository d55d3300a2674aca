# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: window_start
short_description: The start of a time window of some days, as an ISO 8601 UTC timestamp
version_added: 1.0.0
author:
  - simfleet maintainers (@simfleet)
description:
  - Returns the moment a number of days before O(now) (by default the current time) as C(YYYY-MM-DDTHH:MM:SSZ),
    the form the C(created_after) option of M(simfleet.twilio.supersim_ip_command_info) and
    M(simfleet.twilio.supersim_sms_command_info) takes.
options:
  _input:
    description: The length of the window in days, from 0 to 36500; fractions are allowed.
    type: float
    required: true
  now:
    description:
      - The end of the window as an ISO 8601 timestamp, for example C(2026-01-31T12:00:00Z).
      - Defaults to the current time (UTC).
    type: str
"""

EXAMPLES = r"""
- name: IP commands of the last 7 days
  simfleet.twilio.supersim_ip_command_info:
    created_after: "{{ 7 | simfleet.twilio.window_start }}"
  register: last_week
"""

RETURN = r"""
_value:
  description: The start of the window, C(YYYY-MM-DDTHH:MM:SSZ).
  type: str
  sample: "2026-11-16T12:00:00Z"
"""

import datetime

from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import age_days, iso, reference_time


def window_start(days, now=None):
    return iso(reference_time(now) - datetime.timedelta(days=age_days(days, "days")))


class FilterModule(object):
    def filters(self):
        return {"window_start": window_start}
