"""`make demo-events`: the rulebook simfleet.twilio.sim_rejected reacting to a simulated fleet, offline.

The simulator sends signed KORE-style batches of Super SIM Connection Events to the event source
simfleet.twilio.sim_events run by ansible-rulebook: a batch with a forged signature is refused; then a SIM is
rejected three times, the rule runs the playbook simfleet.twilio.eda_sim_rejected, which reports on the SIM and
reactivates it through sim_batch; the simulator then sends the SIM's attachment and data session events.
Reports and the rulebook's output go to demo-output/events/.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

# `python tests/demo_events.py` has this file's folder, tests/, first on sys.path: the simulator package is there.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from simulator import Simulator, events  # noqa: E402

OUTPUT = os.path.join(ROOT, "demo-output", "events")
SECRET = "demo-signing-secret"
PUBLIC_URL = "https://events.example.test/kore/sim-events"


def java_home():
    home = events.java_home()
    if home is None:
        sys.exit("demo-events: ansible-rulebook needs Java 17+: run `make deps` (installs openjdk-17-jre-headless)")
    return home


def wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    sys.exit(f"demo-events: timed out waiting for {what} (see {OUTPUT}/rulebook.log)")


def listening(url):
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError as err:
        return err.code == 405
    except OSError:
        return False
    return False


def main():
    shutil.rmtree(OUTPUT, ignore_errors=True)
    os.makedirs(OUTPUT)
    port = events.free_port()
    local_url = f"http://127.0.0.1:{port}/kore/sim-events"
    with Simulator(seed=1, wireless_sims=10, super_sims=30, events={
            "url": local_url, "signed_url": PUBLIC_URL, "secret": SECRET, "flush_seconds": 0.1}) as sim:
        sims = sim.truth["supersim_sims"]
        inactive = [record for record in sims if record["status"] == "inactive"]
        forged, target = inactive[0], inactive[1]
        print(f"simulator: {sim.base_url}, {len(sims)} Super SIMs; events to {local_url}, signed for {PUBLIC_URL}")

        with open(os.path.join(OUTPUT, "inventory.yml"), "w") as out:
            json.dump({"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                                       "ansible_python_interpreter": sys.executable}}}}, out)
        with open(os.path.join(OUTPUT, "vars.yml"), "w") as out:
            json.dump({"sim_events_port": port, "sim_events_callback_url": PUBLIC_URL, "eda_report_dir": OUTPUT,
                       "eda_action": "status", "eda_status": "active", "eda_apply": True}, out)
        env = dict(os.environ, JAVA_HOME=java_home(), SIM_EVENTS_SECRET=SECRET, TWILIO_ACCOUNT_SID=sim.account_sid,
                   TWILIO_AUTH_TOKEN=sim.auth_token, TWILIO_BASE_URL=sim.product_url, ANSIBLE_NOCOLOR="1",
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, "build", "collections"))
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-rulebook"), "--rulebook",
                   "simfleet.twilio.sim_rejected", "-i", "inventory.yml", "--vars", "vars.yml"]
        print("rulebook: " + " ".join(command[1:]))
        with open(os.path.join(OUTPUT, "rulebook.log"), "w") as log:
            process = subprocess.Popen(command, cwd=OUTPUT, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait(lambda: listening(local_url), 120, "the event source to listen")
                print("source: listening")

                forged_batch = [sim.events.cloudevent("supersim.connection.attachment.rejected", forged) for dummy in range(3)]
                status = sim.events.send(forged_batch, secret="forged-secret")
                print(f"1. 3 rejections of {label(forged)} with a forged signature: answered {status}")

                sim.events.reject(target["sid"], times=3)
                sim.events.flush(30)
                print(f"2. 3 rejections of {label(target)} ({target['sid']}), signed: answered "
                      f"{sim.events.deliveries()[-1]['status']}")
                report = os.path.join(OUTPUT, "rejected-" + target["sid"] + ".json")
                wait(lambda: status_of(sim, target["sid"]) == "active" and os.path.exists(report), 180, "the playbook")
                print(f"3. the rule ran simfleet.twilio.eda_sim_rejected: {label(target)} is now "
                      f"{status_of(sim, target['sid'])}")
                wait(lambda: sim.events.stats().get("delivered_events", 0) >= 5, 30, "the attachment events")
                sim.events.flush(10)
                print("4. the simulator sent the SIM's attachment.accepted and data-session.started events")
                print(f"   {label(forged)} (forged batch) is still {status_of(sim, forged['sid'])}")
                print(f"   report: {report}")
                print(f"   emitter: {json.dumps(sim.events.stats(), sort_keys=True)}")
            finally:
                process.terminate()
                process.wait(30)
    print(f"rulebook output: {OUTPUT}/rulebook.log")


def label(record):
    return record["unique_name"] or record["sid"]


def status_of(sim, sid):
    return next(record["status"] for record in sim.truth["supersim_sims"] if record["sid"] == sid)


if __name__ == "__main__":
    main()
