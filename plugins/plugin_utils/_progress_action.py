# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action plugin of the fleet-scale modules (sim_batch, sim_register): runs the module, and shows its progress
while it runs.

A module cannot print while it runs: ansible-playbook shows only its final result. When the module runs on the
controller (the local connection), ProgressAction gives it a private file to keep its progress in (named by the
environment variable PROGRESS_ENV, added to the task's environment for the module only, the way ansible-core passes
ANSIBLE_ASYNC_DIR), and prints that progress with Display every PROGRESS_SECONDS from a thread while the module runs
in this one. In a worker process, Display sends what it prints to the main process, so the lines show in
ansible-playbook's output and in AWX job output. Async tasks and other connections run the module as the normal
action plugin does. Each module's action plugin says how one line reads (progress_line).

Private to the collection: its interface may change between releases.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

# The same name as in plugins/module_utils/_batch.py (the modules read it); not imported from there, as module_utils
# are made for the module's side.
PROGRESS_ENV = "SIMFLEET_SIM_BATCH_PROGRESS"
PROGRESS_SECONDS = 2.0

display = Display()


class ProgressAction(ActionBase):
    """Runs the task's module, printing progress_line() of its progress file every PROGRESS_SECONDS."""

    _supports_check_mode = True
    _supports_async = True

    # The module's name, for the temporary directory and the reporting thread.
    name = "simfleet"

    def progress_line(self, host, progress, seconds):
        """Hook: one line of progress, from the module's last report (None before its first), and the seconds the task
        has run."""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        wrap_async = self._task.async_val
        if wrap_async or getattr(self._connection, "transport", None) != "local":
            module_result = self._execute_module(task_vars=task_vars, wrap_async=wrap_async)
        else:
            module_result = self._execute_with_progress(task_vars, (task_vars or {}).get("inventory_hostname", "localhost"))
        result = merge_hash(result, module_result)
        if not wrap_async:
            # remove a temporary path we created
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _execute_with_progress(self, task_vars, host):
        directory = tempfile.mkdtemp(prefix="%s-progress-" % self.name)
        path = os.path.join(directory, "progress.json")
        # The task's environment, the module's only (a list of dicts before the task is post-validated, one dict after)
        original = self._task.environment
        if isinstance(original, dict):
            self._task.environment = dict(original, **{PROGRESS_ENV: path})
        else:
            self._task.environment = list(original or []) + [{PROGRESS_ENV: path}]
        stop = threading.Event()
        reporter = threading.Thread(target=self._report, args=(path, host, stop), name="%s-progress" % self.name, daemon=True)
        reporter.start()
        try:
            return self._execute_module(task_vars=task_vars, wrap_async=False)
        finally:
            stop.set()
            reporter.join(PROGRESS_SECONDS * 2)
            self._task.environment = original
            shutil.rmtree(directory, ignore_errors=True)

    def _report(self, path, host, stop):
        """Print the module's progress every PROGRESS_SECONDS until ``stop`` is set."""
        started = time.monotonic()
        while not stop.wait(PROGRESS_SECONDS):
            try:
                with open(path) as handle:
                    progress = json.load(handle)
            except (OSError, ValueError):
                progress = None
            if not stop.is_set():
                display.display(self.progress_line(host, progress if isinstance(progress, dict) else None, time.monotonic() - started))
