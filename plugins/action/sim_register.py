# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of simfleet.twilio.sim_register: runs the module, and shows its progress while it runs (see
plugins/plugin_utils/_progress_action.py); this file says how a line of sim_register's progress reads."""

from __future__ import annotations

from ansible_collections.simfleet.twilio.plugins.plugin_utils._progress_action import ProgressAction

# The outcomes a line counts, in the order it names them; the last ones only when there are any.
ALWAYS = ("registered", "updated", "exists", "unchanged", "failed")
WHEN_ANY = ("not_attempted",)


def progress_line(host, progress, seconds):
    """One line of progress, from the module's last report (None before its first), and the seconds the task has run."""
    prefix = "sim_register [%s]: " % host
    if not progress or progress.get("phase") == "starting":
        return prefix + "starting, %d s" % seconds
    counts = ", ".join("%d %s" % (progress.get(outcome, 0), outcome) for outcome in ALWAYS)
    for outcome in WHEN_ANY:
        if progress.get(outcome):
            counts += ", %d %s" % (progress[outcome], outcome.replace("_", " "))
    line = "%d/%d SIMs done (%s), %d requests in flight, %d throttled, %d s" % (
        progress.get("done", 0), progress.get("total", 0), counts, progress.get("in_flight", 0), progress.get("throttled", 0), seconds)
    if progress.get("phase") == "listing":
        line = "listing the account's Super SIMs (%d read), %s" % (progress.get("listed", 0), line)
    return prefix + line


class ActionModule(ProgressAction):

    name = "sim_register"

    def progress_line(self, host, progress, seconds):
        return progress_line(host, progress, seconds)
