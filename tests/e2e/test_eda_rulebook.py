"""The real ansible-rulebook runs the shipped rulebook simfleet.twilio.sim_rejected: the simulator sends signed
KORE batches of Connection Events to the source simfleet.twilio.sim_events, the rule runs the playbook
simfleet.twilio.eda_sim_rejected, whose modules change the SIM in the simulator. A batch with a bad signature
is refused and triggers nothing."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS
from simulator import events

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
SECRET = "eda-test-signing-secret-7f3a"
PUBLIC_URL = "https://events.example.test/kore/sim-events"


def java_home():
    """JAVA_HOME for ansible-rulebook; the test fails when there is no Java runtime."""
    home = events.java_home()
    if home is None:
        pytest.fail("ansible-rulebook needs a Java 17+ runtime: `make deps` installs openjdk-17-jre-headless")
    return home


def wait_listening(url, process, timeout=120):
    """Wait until the source answers (405 to a GET: only POST is served)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("ansible-rulebook ended early:\n" + process.log.read_text())
        try:
            urllib.request.urlopen(url, timeout=2)
        except urllib.error.HTTPError as err:
            if err.code == 405:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail("the event source did not start listening within %s seconds" % timeout)


@pytest.fixture
def rulebook(tmp_path):
    """Start ansible-rulebook with a shipped rulebook against the simulator; returns a function (sim, rulebook name,
    port, variables) -> (process, report dir, local URL of the source)."""
    started = []

    def start(sim, name, port=None, **variables):
        reports = tmp_path / "reports"
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(json.dumps({"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
        var_file = tmp_path / "vars.yml"
        var_file.write_text(json.dumps(dict({"sim_events_port": port, "sim_events_callback_url": PUBLIC_URL,
                                             "eda_report_dir": str(reports)}, **variables)))
        env = dict(os.environ, JAVA_HOME=java_home(), PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
                   SIM_EVENTS_SECRET=SECRET, TWILIO_ACCOUNT_SID=sim.account_sid, TWILIO_AUTH_TOKEN=sim.auth_token,
                   TWILIO_BASE_URL=sim.product_url, ANSIBLE_NOCOLOR="1", HOME=str(tmp_path))
        env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(ROOT, "build", "collections")
        # Output to a file: a pipe nobody reads could fill up and stall ansible-rulebook.
        with open(tmp_path / "rulebook.log", "w") as log:
            process = subprocess.Popen(
                [os.path.join(VENV_BIN, "ansible-rulebook"), "--rulebook", name, "-i", str(inventory), "--vars", str(var_file)],
                cwd=str(tmp_path), env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log = tmp_path / "rulebook.log"
        started.append(process)
        if port is None:  # poll mode: wait until the source has listed twice (the first listing is the baseline)
            wait_for(lambda: sim.stats()["requests"] >= 2, 120, "the poll source", process)
            return process, reports, None
        url = "http://127.0.0.1:%d%s" % (port, "/kore/sim-events")
        wait_listening(url, process)
        return process, reports, url

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(predicate, timeout, what, process):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail("timed out after %s seconds waiting for %s; ansible-rulebook's output:\n%s"
                % (timeout, what, process.log.read_text()[-6000:]))


def status_of(sim, sid):
    return next(record["status"] for record in sim.truth["supersim_sims"] if record["sid"] == sid)


def test_rejections_run_the_playbook_and_a_bad_signature_triggers_nothing(simulator_factory, rulebook):
    port = events.free_port()
    sim = simulator_factory(seed=21, wireless_sims=5, super_sims=30, events={
        "url": "http://127.0.0.1:%d/kore/sim-events" % port, "signed_url": PUBLIC_URL, "secret": SECRET,
        "flush_seconds": 0.05, "watch_status": True})
    inactive = [record for record in sim.truth["supersim_sims"] if record["status"] == "inactive"]
    assert len(inactive) >= 2, "the fleet of seed 21 needs two inactive Super SIMs"
    forged, real = inactive[0], inactive[1]

    process, reports, url = rulebook(sim, "simfleet.twilio.sim_rejected", port, eda_action="status", eda_status="active",
                                     eda_apply=True)

    # 1. Three rejections of one SIM, signed with the wrong secret: refused, nothing runs.
    forged_events = [sim.events.cloudevent("supersim.connection.attachment.rejected", forged) for dummy in range(3)]
    assert sim.events.send(forged_events, secret="not-the-signing-secret") == 401
    # Signed with the right secret but for the local URL instead of the public one the sender is configured with.
    assert sim.events.send(forged_events, url=url) == 401

    # 2. Three real rejections of another SIM: the rule fires once the threshold is reached.
    sim.reset_writes()
    sim.events.reject(real["sid"], times=3)
    assert sim.events.flush(30)
    assert [entry["status"] for entry in sim.events.deliveries()][-1] == 200

    wait_for(lambda: status_of(sim, real["sid"]) == "active", 180, "the playbook to reactivate %s" % real["sid"], process)
    report_file = reports / ("rejected-%s.json" % real["sid"])
    wait_for(report_file.exists, 60, "the report of %s" % real["sid"], process)
    report = json.loads(report_file.read_text())
    assert report["sim"]["sid"] == real["sid"] and report["sim"]["status"] == "inactive"  # as gathered before the change
    assert report["action"] == "status" and report["applied"] is True
    assert report["last_event"]["kind"] == "supersim.connection.attachment.rejected"
    assert report["status_change"]["changed"] == 1

    # The reactivated SIM attaches: the simulator sends that too, and it is accepted.
    wait_for(lambda: any(entry["status"] == 200 and entry["events"] == 2 for entry in sim.events.deliveries()), 30,
             "the attachment events of the reactivated SIM", process)

    # Nothing happened to the SIM of the forged batch, and the playbook wrote only to the real SIM.
    assert status_of(sim, forged["sid"]) == "inactive"
    assert not (reports / ("rejected-%s.json" % forged["sid"])).exists()
    writes = [entry for entry in sim.write_log() if entry.get("applied")]
    assert {entry["sid"] for entry in writes} == {real["sid"]}

    process.terminate()
    process.wait(30)
    output = process.log.read_text()
    assert SECRET not in output
    assert sim.auth_token not in output


def test_a_sim_leaving_active_is_reported_and_reactivated_in_poll_mode(simulator_factory, rulebook):
    sim = simulator_factory(seed=22, wireless_sims=5, super_sims=30)
    active = [record for record in sim.truth["supersim_sims"] if record["status"] == "active"]
    process, reports, dummy = rulebook(sim, "simfleet.twilio.sim_left_active", sim_events_interval=0.5, eda_reactivate=True,
                                       eda_apply=True)
    client = TwilioClient(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url)
    client.update(ENDPOINTS["supersim_sim"], active[0]["sid"], {"Status": "inactive"})
    client.close()
    report_file = reports / ("left-active-%s.json" % active[0]["sid"])
    wait_for(report_file.exists, 120, "the report of %s" % active[0]["sid"], process)
    report = json.loads(report_file.read_text())
    assert report["change"] == {"from": "active", "to": "inactive"}
    assert report["product"] == "supersim" and report["applied"] is True
    assert report["reactivation"]["changed"] == 1
    assert status_of(sim, active[0]["sid"]) == "active"
    # No other SIM changed, so no other report.
    assert [path.name for path in reports.iterdir()] == [report_file.name]


def test_a_data_session_over_the_threshold_is_reported_once(simulator_factory, rulebook):
    port = events.free_port()
    sim = simulator_factory(seed=23, wireless_sims=5, super_sims=10, events={
        "url": "http://127.0.0.1:%d/kore/sim-events" % port, "signed_url": PUBLIC_URL, "secret": SECRET,
        "flush_seconds": 0.05, "watch_status": False})
    small, big = sim.truth["supersim_sims"][0], sim.truth["supersim_sims"][1]
    process, reports, dummy = rulebook(sim, "simfleet.twilio.data_session_threshold", port, eda_data_session_threshold=1000000)
    sim.events.session(small["sid"], download=400000, upload=100000, end=True)
    started, updated = sim.events.session(big["sid"], download=900000, upload=200000)
    sim.events.session(big["sid"], download=500000, upload=0, end=True)
    assert sim.events.flush(30)
    session = updated["data"]["data_session_sid"]
    report_file = reports / ("data-session-%s.json" % session)
    wait_for(report_file.exists, 120, "the report of session %s" % session, process)
    report = json.loads(report_file.read_text())
    assert report["sim"]["sid"] == big["sid"] and report["data_session_sid"] == session
    assert report["total_bytes"] == 1100000 and report["threshold_bytes"] == 1000000
    assert started["data"]["data_session_sid"] == session
    time.sleep(5)  # the ended event (1,600,000 bytes) of the same session is throttled: still one report
    assert [path.name for path in reports.iterdir()] == [report_file.name]


def run_eda_playbook(sim, tmp_path, name, variables):
    """Run a rulebook's playbook with ansible-playbook, as ansible-rulebook does (the event in ansible_eda)."""
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    var_file = tmp_path / "extra.json"
    var_file.write_text(json.dumps(variables))
    env = dict(os.environ, TWILIO_ACCOUNT_SID=sim.account_sid, TWILIO_AUTH_TOKEN=sim.auth_token,
               TWILIO_BASE_URL=sim.product_url, ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"))
    result = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), name, "-i", str(inventory), "-e", "@" + str(var_file)],
                            cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_rejection_playbook_writes_nothing_unless_applied_and_a_second_run_changes_nothing(simulator_factory, tmp_path):
    sim = simulator_factory(seed=24, wireless_sims=5, super_sims=20)
    target = next(record for record in sim.truth["supersim_sims"] if record["status"] == "inactive")
    event = {"type": "com.korewireless.iot.supersim.connection.attachment.rejected", "kind": "supersim.connection.attachment.rejected",
             "id": "EZ" + "1" * 32, "time": "2026-12-06T21:00:00Z", "source": "/v1/Sims/" + target["sid"],
             "sim": {"sid": target["sid"], "iccid": target["iccid"], "unique_name": target["unique_name"],
                     "fleet_sid": target["fleet_sid"]}, "data": {"event_sid": "EZ" + "1" * 32}}
    reports = tmp_path / "reports"
    variables = {"ansible_eda": {"event": event}, "eda_report_dir": str(reports), "eda_action": "status", "eda_status": "active"}
    sim.reset_writes()

    run_eda_playbook(sim, tmp_path, "simfleet.twilio.eda_sim_rejected", variables)
    report = json.loads((reports / ("rejected-%s.json" % target["sid"])).read_text())
    assert report["applied"] is False and report["status_change"]["changed"] == 1  # what would change
    assert sim.writes(log=False)["requests"] == 0
    assert status_of(sim, target["sid"]) == "inactive"

    run_eda_playbook(sim, tmp_path, "simfleet.twilio.eda_sim_rejected", dict(variables, eda_apply=True))
    assert status_of(sim, target["sid"]) == "active"
    assert sim.writes(log=False)["requests"] == 1

    run_eda_playbook(sim, tmp_path, "simfleet.twilio.eda_sim_rejected", dict(variables, eda_apply=True))
    report = json.loads((reports / ("rejected-%s.json" % target["sid"])).read_text())
    assert report["status_change"]["changed"] == 0 and report["status_change"]["unchanged"] == 1
    assert sim.writes(log=False)["requests"] == 1


def test_the_playbooks_refuse_a_bad_action_and_an_event_without_a_sim(simulator_factory, tmp_path):
    sim = simulator_factory(seed=24, wireless_sims=5, super_sims=5)
    sid = sim.truth["supersim_sims"][0]["sid"]
    env = dict(os.environ, TWILIO_ACCOUNT_SID=sim.account_sid, TWILIO_AUTH_TOKEN=sim.auth_token,
               TWILIO_BASE_URL=sim.product_url, ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"))
    for variables, message in (
            ({"ansible_eda": {"event": {"sim": {"sid": sid}}}, "eda_action": "reboot"}, "eda_action must be one of none, sms, ip_command, status"),
            ({"ansible_eda": {"event": {"sim": {"sid": None}}}}, "the event must name a Super SIM SID")):
        var_file = tmp_path / "extra.json"
        var_file.write_text(json.dumps(dict(variables, eda_report_dir=str(tmp_path / "r"))))
        result = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "simfleet.twilio.eda_sim_rejected", "-i", "localhost,",
                                 "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable, "-e", "@" + str(var_file)],
                                cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode != 0
        assert message in result.stdout
    assert sim.writes(log=False)["requests"] == 0
