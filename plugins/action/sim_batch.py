# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of simfleet.twilio.sim_batch: runs the module, and shows its progress while it runs (see
plugins/plugin_utils/_progress_action.py); this file says how a line of sim_batch's progress reads."""

from __future__ import annotations

from ansible_collections.simfleet.twilio.plugins.plugin_utils._progress_action import ProgressAction


def progress_line(host, progress, seconds):
    """One line of progress, from the module's last report (None before its first), and the seconds the task has run."""
    prefix = "sim_batch [%s]: " % host
    if not progress or progress.get("phase") == "starting":
        return prefix + "starting, %d s" % seconds
    counts = "%d changed, %d unchanged, %d failed" % (progress.get("changed", 0), progress.get("unchanged", 0), progress.get("failed", 0))
    for outcome in ("not_found", "not_attempted"):
        if progress.get(outcome):
            counts += ", %d %s" % (progress[outcome], outcome.replace("_", " "))
    line = "%d/%d SIMs done (%s), %d requests in flight, %d throttled, %d s" % (
        progress.get("done", 0), progress.get("total", 0), counts, progress.get("in_flight", 0), progress.get("throttled", 0), seconds)
    phase = progress.get("phase")
    if phase == "listing":
        line = "listing the SIMs (%d read), %s" % (progress.get("listed", 0), line)
    elif phase == "waiting":
        line = "waiting for the SIMs written to settle, %s" % line
    return prefix + line


class ActionModule(ProgressAction):

    name = "sim_batch"

    def progress_line(self, host, progress, seconds):
        return progress_line(host, progress, seconds)
