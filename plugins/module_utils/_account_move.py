# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Moving a SIM to another account (C(AccountSid)), for the Programmable Wireless and Super SIM modules alike.

Twilio moves only a SIM whose status is C(new), to the account of the credentials or one of its subaccounts; once
moved, the credentials used no longer see it. The move is irreversible for these credentials, so it needs an explicit
confirmation option, refused before any request without it.

Private to the collection: its interface may change between releases.
"""

import re

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioError
from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateModule

# The options of every module that can move a SIM.
ACCOUNT_MOVE_OPTIONS = dict(move_to_account=dict(type="str"), confirm_account_move=dict(type="bool", default=False))

ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}\Z")
# The only status in which Twilio moves a SIM to another account.
MOVABLE_STATUS = "new"


class AccountMoveModule(StateModule):
    """A SIM module that also moves the SIM to another account (move_to_account, only with confirm_account_move) after
    its other changes; the moved SIM is not read back, as the credentials no longer see it."""

    def arguments(self):
        argument_spec, options = super().arguments()
        argument_spec.update(ACCOUNT_MOVE_OPTIONS)
        return argument_spec, options

    def problems(self):
        problems = super().problems()
        target = self.params.get("move_to_account")
        if target is None:
            return problems
        if not ACCOUNT_SID.match(target):
            problems.append("move_to_account must be an account SID matching AC followed by 32 hex digits, got %r" % target)
        if self.params.get("status") is not None:
            problems.append("move_to_account cannot be set with status: Twilio moves only a SIM whose status is %s"
                            % MOVABLE_STATUS)
        if not self.params["confirm_account_move"]:
            problems.append("move_to_account moves the SIM to another account, after which these credentials can no longer "
                            "see or change it: set confirm_account_move=true to move it; nothing was changed")
        return problems

    def find(self):
        record = super().find()
        target = self.params.get("move_to_account")
        if target is None:
            return record
        if record is None:
            self.fail("no sim matches %s with these credentials: nothing was changed (an earlier run may have moved it to %s "
                      "already: manage it with that account's credentials)" % (self.identity(), target))
        if record.get("account_sid") != target and record.get("status") != MOVABLE_STATUS:
            self.fail("the sim %s is %s, and Twilio moves only a SIM whose status is %s to another account: nothing was "
                      "changed" % (record["sid"], record.get("status"), MOVABLE_STATUS))
        return record

    def act(self):
        result, diff = self.manage()
        target, record = self.params.get("move_to_account"), result[self.endpoint.item]
        if target is None or record is None or record.get("account_sid") == target:
            return result, diff
        before = record.get("account_sid")
        changed_before = result["changed"]
        result.update(changed=True, account_move={"before": before, "after": target})
        diff = {"before": dict(diff["before"], account_sid=before), "after": dict(diff["after"], account_sid=target)}
        if self.module.check_mode:
            return result, diff
        try:
            moved = self.client.update(self.endpoint, record["sid"], {"AccountSid": target}, idempotent=False)
        except TwilioError as err:
            if not changed_before:
                raise
            self.module.fail(err, changed=True, **{self.endpoint.item: record})
        result[self.endpoint.item] = self.after_write(moved, "moved sim")
        return result, diff

    def after_write(self, record, what, advice="", asked=None, applied=None):
        """A SIM moved to another account is not read back: these credentials no longer see it."""
        target = self.params.get("move_to_account")
        if target is None or record.get("account_sid") != target:
            return super().after_write(record, what, advice=advice, asked=asked, applied=applied)
        self.notes.append("moved sim %s to account %s: these credentials no longer see it, so it was not read back; manage it "
                          "with the credentials of %s" % (record["sid"], target, target))
        return record
