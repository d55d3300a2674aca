# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The vocabulary of the fleet reports (private to this collection, controller side).

Every finding the audit, the compliance check and the remediation name is defined once here: its name (the key in
the reports), the label people read (with its window in days), the test that decides it and the window it looks
back over. Two different tests never share a name: "no data" (usage) and "no commands" (IP and SMS commands) are
distinct findings.
"""

from dataclasses import dataclass
from typing import Optional

from ansible.errors import AnsibleFilterError


@dataclass(frozen=True)
class Term:
    """One finding or figure: ``name`` (report key), ``label`` (a format string over ``days`` and the other values
    given to ``label()``), ``test`` (what decides it, one sentence), ``window`` (what the window of ``days`` is, None
    for a finding without a window) and ``description`` (one line for people)."""

    name: str
    label: str
    test: str
    window: Optional[str]
    description: str

    def describe(self, days=None, **values):
        """The label with its window: "no data in 30 days"."""
        return self.label.format(days=_number(days), **dict((k, _number(v)) for k, v in values.items()))

    def as_dict(self, days=None, **values):
        return {"name": self.name, "label": self.describe(days, **values), "test": self.test, "window": self.window,
                "window_days": days, "description": self.description}


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


TERMS = dict((term.name, term) for term in (
    Term("no_data", "no data in {days} days",
         "a SIM in the statuses checked (active unless a policy says otherwise), created before the start of the usage "
         "window, without any byte of data in it",
         "usage window",
         "SIMs paid for and not used: no data upload or download in the usage window"),
    Term("no_commands", "no IP or SMS command in {days} days",
         "a Super SIM created before the start of the command window without any IP or SMS command (either "
         "direction) in it",
         "command window",
         "Super SIMs that exchanged no command with the application in the command window"),
    Term("with_data", "with data in {days} days",
         "a SIM with more than 0 bytes of data in the usage window",
         "usage window",
         "SIMs that used data in the usage window"),
    Term("over_data_limit", "above {percent}% of the fleet's data limit in {days} days",
         "a Super SIM whose data in the usage window is above the given share of its fleet's data_limit",
         "usage window",
         "Super SIMs close to or over the data limit of their fleet"),
    Term("failed_commands", "failed commands in {days} days",
         "an IP or SMS command created in the command window whose status is failed",
         "command window",
         "Commands Twilio could not deliver"),
    Term("failed_command_ratio", "more than {ratio} of at least {minimum} commands failed in {days} days",
         "a Super SIM with at least the minimum of commands sent to it in the window, of which more than the ratio "
         "failed",
         "command window",
         "Super SIMs most of whose commands fail"),
    Term("recently_changed", "updated in {days} days",
         "a SIM whose date_updated is within the window",
         "recent window",
         "SIMs whose status or settings changed recently"),
    Term("esim_profile_failed", "eSIM profile failed",
         "a Super SIM with an eSIM profile in status failed",
         None,
         "eSIM profiles that could not be downloaded or installed"),
    Term("suspended_too_long", "{statuses} for more than {days} days",
         "a SIM in a suspended status whose date_updated is older than the window",
         "age",
         "SIMs left suspended (or inactive) longer than the policy allows"),
    Term("allowed_status", "in a status the policy does not allow",
         "a SIM whose status is not among the allowed statuses of its product",
         None,
         "SIMs in a status the policy forbids"),
    Term("active_without_unique_name", "active without a unique name",
         "an active SIM whose unique_name is empty",
         None,
         "Active SIMs that cannot be told apart by name"),
    Term("active_without_rate_plan", "active without a rate plan or fleet",
         "an active wireless SIM without a rate plan or an active Super SIM without a fleet",
         None,
         "Active SIMs without the plan or fleet that sets their service"),
))


def term(name):
    """The Term of a name; an unknown name is a programming error named in the message."""
    try:
        return TERMS[name]
    except KeyError:
        raise AnsibleFilterError("unknown report term %r (known: %s)" % (name, ", ".join(sorted(TERMS))))


def label(name, days=None, **values):
    """The label of the term ``name`` with its window: label("no_data", 30) is "no data in 30 days"."""
    return term(name).describe(days, **values)
