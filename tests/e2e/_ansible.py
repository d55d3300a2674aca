# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run real ``ansible-playbook`` processes for the end-to-end tests and collect every task's result.

Each run gets its own directory with an inventory (``localhost`` on the local connection with this
interpreter), an ``ansible.cfg``, the playbook (JSON, which is YAML), and a small callback plugin that writes
every task result, exactly as the stdout callback sees it, to ``results.json`` keyed by task name.
"""

import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
BIN = os.path.dirname(sys.executable)
ANSIBLE_PLAYBOOK = os.path.join(BIN, "ansible-playbook")
# local hosts that run a play's tasks in parallel; E2E_WORKERS overrides (1 = one after the other)
WORKERS = int(os.environ.get("E2E_WORKERS", "2"))

CALLBACK = r'''
import json
import os

from ansible.plugins.callback import CallbackBase


def _plain(value):
    if isinstance(value, dict):
        return dict((str(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "e2e_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = {}

    def _store(self, result, outcome):
        task = getattr(result, "task", None) or result._task
        data = getattr(result, "result", None)
        if data is None:
            data = result._result
        record = _plain(dict(data))
        record["_outcome"] = outcome
        self.results[task.get_name()] = record

    def v2_runner_on_ok(self, result):
        self._store(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._store(result, "failed")

    def v2_runner_on_skipped(self, result):
        task = getattr(result, "task", None) or result._task
        if task.get_name() not in self.results:
            self._store(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._store(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["E2E_RESULTS_FILE"], "w") as handle:
            json.dump(self.results, handle)
'''


class PlaybookRun:
    def __init__(self, rc, stdout, stderr, results, seconds):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.results = results
        self.seconds = seconds

    @property
    def output(self):
        return self.stdout + self.stderr

    def __getitem__(self, name):
        assert name in self.results, "task %r has no result; rc=%s\n%s" % (name, self.rc, self.output[-3000:])
        return self.results[name]

    def ok(self, name):
        result = self[name]
        assert result["_outcome"] == "ok" and not result.get("failed"), "task %r failed: %s" % (
            name, result.get("msg"))
        return result

    def failed(self, name):
        result = self[name]
        assert result["_outcome"] == "failed", "task %r did not fail: %s" % (name, json.dumps(result)[:500])
        return result


def clean_env(extra=None):
    """The environment of a playbook run: no TWILIO_*, KORE_* or ANSIBLE_* variables leak in from the caller."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", PYTHONDONTWRITEBYTECODE="1")
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def play(tasks, module_defaults=None, name="e2e"):
    names = [task["name"] for task in tasks]
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    assert not duplicates, "task names must be unique: %s" % duplicates
    result = {"name": name, "hosts": "localhost", "gather_facts": False, "tasks": tasks}
    if module_defaults:
        result["module_defaults"] = module_defaults
    return result


def run_tasks(workdir, tasks, workers=WORKERS, module_defaults=None, env=None, verbosity=0, timeout=600):
    """Run independent ``tasks`` spread over ``workers`` local hosts in parallel (strategy free)."""
    return run_plays(workdir, [dict(tasks=tasks, module_defaults=module_defaults)], workers=workers, env=env,
                     verbosity=verbosity, timeout=timeout)


def run_plays(workdir, plays, workers=WORKERS, env=None, verbosity=0, timeout=600):
    """Run one ``ansible-playbook`` with several plays of independent tasks.

    ``plays``: dicts with ``tasks`` and optionally ``module_defaults``, ``environment`` and ``spread`` (False:
    run every task of the play on one host, in order, for tasks that use each other's results). The tasks of a
    play are spread over ``workers`` local hosts that run in parallel (strategy free), each including its
    own share, so a batch of module calls costs about 1/workers of running them one after the other.
    Task names must be unique across the run: results are keyed by them.
    """
    play([task for p in plays for task in p["tasks"]])  # checks the names
    os.makedirs(workdir, exist_ok=True)
    hosts = ["worker%d" % n for n in range(workers)]
    the_plays = []
    for number, spec in enumerate(plays):
        for index, host in enumerate(hosts):
            if spec.get("spread", True):
                share = spec["tasks"][index::workers]
            else:  # tasks that depend on each other (register, then use) stay on one host, in order
                share = spec["tasks"] if index == 0 else []
            with open(os.path.join(workdir, "tasks_%d_%s.yml" % (number, host)), "w") as handle:
                json.dump(share, handle, indent=1)
        the_play = {"name": "e2e play %d" % number, "hosts": "workers", "gather_facts": False, "strategy": "free",
                    "tasks": [{"name": "worker tasks %d" % number,
                               "ansible.builtin.include_tasks": "tasks_%d_{{ inventory_hostname }}.yml" % number}]}
        for keyword in ("module_defaults", "environment"):
            if spec.get(keyword):
                the_play[keyword] = spec[keyword]
        the_plays.append(the_play)
    return run_playbook(workdir, the_plays, env=env, verbosity=verbosity, timeout=timeout, hosts=hosts)


def run_playbook(workdir, plays, env=None, verbosity=0, timeout=600, hosts=None):
    """Run ``ansible-playbook`` on ``plays`` (a list of play dicts) in ``workdir`` and return a PlaybookRun."""
    os.makedirs(workdir, exist_ok=True)
    plugin_dir = os.path.join(workdir, "callback_plugins")
    os.makedirs(plugin_dir, exist_ok=True)
    with open(os.path.join(plugin_dir, "e2e_results.py"), "w") as handle:
        handle.write(CALLBACK)
    inventory = os.path.join(workdir, "inventory.ini")
    with open(inventory, "w") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
        handle.write("[workers]\n")
        for host in hosts or []:
            handle.write("%s ansible_connection=local ansible_python_interpreter=%s\n" % (host, sys.executable))
    config = os.path.join(workdir, "ansible.cfg")
    with open(config, "w") as handle:
        handle.write("[defaults]\nretry_files_enabled = False\nforks = %d\ninterpreter_python = %s\n"
                     "[connection]\npipelining = True\n" % (max(5, len(hosts or ())), sys.executable))
    playbook = os.path.join(workdir, "playbook.yml")
    with open(playbook, "w") as handle:
        json.dump(plays, handle, indent=1)
    results_file = os.path.join(workdir, "results.json")
    if os.path.exists(results_file):
        os.unlink(results_file)
    run_env = clean_env(env)
    run_env.update(
        ANSIBLE_CONFIG=config,
        ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
        ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"),
        ANSIBLE_CALLBACK_PLUGINS=plugin_dir,
        ANSIBLE_CALLBACKS_ENABLED="e2e_results",
        E2E_RESULTS_FILE=results_file,
    )
    command = [ANSIBLE_PLAYBOOK, "-i", inventory, playbook]
    if verbosity:
        command.append("-" + "v" * verbosity)
    started = time.monotonic()
    proc = subprocess.run(command, cwd=workdir, env=run_env, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.monotonic() - started
    results = {}
    if os.path.exists(results_file):
        with open(results_file) as handle:
            results = json.load(handle)
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, results, seconds)
