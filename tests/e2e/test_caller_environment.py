"""The connection settings of the shell that runs the tests (TWILIO_* and KORE_* variables of a real account)
never reach a test or a run: tests/conftest.py removes them before any test is imported, and the playbook runs
of the e2e suite start from an environment without them (_ansible.clean_env)."""
import json
import os
import subprocess
import sys

from _ansible import clean_env, run_tasks

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What a developer logged in to a KORE account, or a Twilio one, has in their shell.
CALLERS_SETTINGS = {
    "KORE_CLIENT_ID": "kore-client-of-the-caller",
    "KORE_CLIENT_SECRET": "kore-secret-of-the-caller",
    "KORE_TOKEN_URL": "https://token.example.invalid/token",
    "TWILIO_ACCOUNT_SID": "AC" + "c" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_PLATFORM": "kore",
}
SHOW_SETTINGS = ("import json, os\n"
                 "print(json.dumps(sorted(n for n in os.environ if n.startswith(('TWILIO_', 'KORE_')))))\n")


def connection_variables(environ):
    return sorted(name for name in environ if name.startswith(("TWILIO_", "KORE_")))


def test_the_shared_conftest_drops_the_callers_settings_before_any_test():
    """A fresh interpreter that loads tests/conftest.py, as pytest does first, keeps none of the caller's settings."""
    code = "import conftest\n" + SHOW_SETTINGS
    result = subprocess.run([sys.executable, "-c", code], cwd=TESTS_DIR, env=dict(os.environ, **CALLERS_SETTINGS),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_this_session_holds_none_of_them():
    assert connection_variables(os.environ) == []


def test_a_playbook_run_never_sees_the_callers_settings(tmp_path, monkeypatch):
    """Set in the environment of the test process as a caller's shell would set them, they reach no module."""
    for name, value in CALLERS_SETTINGS.items():
        monkeypatch.setenv(name, value)
    assert connection_variables(clean_env()) == []
    run = run_tasks(str(tmp_path / "run"), [{"name": "show the environment of a module",
                                             "ansible.builtin.command": {"argv": [sys.executable, "-c", SHOW_SETTINGS]}}],
                    workers=1)
    result = run.ok("show the environment of a module")
    assert json.loads(result["stdout"]) == []
    for value in CALLERS_SETTINGS.values():
        assert value not in run.output
