# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""End-to-end tests of what AWX / Automation Platform and ansible-navigator rely on.

- the credential types of ``extensions/aap/credential_types/``: every secret input marked secret, injecting exactly
  the variables that the modules, the inventory plugin and the event source read; their injectors rendered as AWX
  renders them (Jinja, the credential's inputs as variables) and the result, as the whole environment, used by an
  info module, by ``ansible-inventory`` with the shipped source file (``playbooks/awx.twilio_sims.yml``) and by one
  poll of the event source, against the simulator on Twilio (Auth Token, API key) and on KORE;
- that source file as AWX runs it: its cache stays in the job's private home directory and serves that job, and a
  refused API call fails the update (non-zero exit, the plugin's message, no secret, no inventory);
- ``playbooks/aap_setup.yml`` against a controller API of the test's own: check mode only reads, a real run
  creates or updates exactly what differs, a second run writes nothing, and the token never shows;
- ``ansible-navigator run --mode stdout --execution-environment false`` of ``playbooks/audit.yml`` with the
  shipped ``ansible-navigator.yml``.
"""

import asyncio
import collections
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.parse

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.simfleet.twilio.extensions.eda.plugins.event_source import sim_events
from ansible_collections.simfleet.twilio.plugins.doc_fragments.common import ModuleDocFragment
from ansible_collections.simfleet.twilio.plugins.inventory import sims as inventory_plugin
from ansible_collections.simfleet.twilio.plugins.module_utils._client import CONNECTION_OPTIONS
from _ansible import BIN, COLLECTIONS, clean_env
from simulator import Simulator
from test_inventory import plain

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TYPES = os.path.join(ROOT, "extensions", "aap", "credential_types")
SOURCE = os.path.join(ROOT, "playbooks", "awx.twilio_sims.yml")
SETUP = os.path.join(ROOT, "playbooks", "aap_setup.yml")
TOKEN = "controller-token-0123456789"
# AWX sets this for inventory updates: a source that fails to parse fails the update.
AWX_INVENTORY_ENV = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "True"}


def load_type(name):
    with open(os.path.join(TYPES, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def render_injectors(credential_type, inputs):
    """The environment AWX injects for a credential of `credential_type` with `inputs`: each env template rendered
    in a sandbox with the inputs as variables (missing booleans false, defaults applied, missing strings empty)."""
    namespace = {}
    for field in credential_type["inputs"]["fields"]:
        if field["id"] in inputs:
            namespace[field["id"]] = inputs[field["id"]]
        elif "default" in field:
            namespace[field["id"]] = field["default"]
        elif field.get("type") == "boolean":
            namespace[field["id"]] = False
    sandbox = ImmutableSandboxedEnvironment()
    assert set(credential_type["injectors"]) == {"env"}, "only env injectors: extra_vars would reach every play"
    return dict((name, sandbox.from_string(template).render(**namespace)) for name, template in credential_type["injectors"]["env"].items())


def job_env(injected, home):
    """Exactly the injected environment, plus where the collection is and the job's private home directory."""
    return dict(injected, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, HOME=str(home))


def run(command, env, cwd, timeout=120):
    return subprocess.run(command, env=env, cwd=str(cwd), capture_output=True, text=True, timeout=timeout, check=False)


def sids_of(inventory_json):
    """The twilio_sid of every host of `ansible-inventory --list` output."""
    return sorted(plain(variables["twilio_sid"]) for variables in json.loads(inventory_json)["_meta"]["hostvars"].values())


def no_secret(texts, secrets):
    for text in texts:
        for secret in secrets:
            assert secret not in text, "a secret leaked into the output"


# -- the credential types --------------------------------------------------------------------------------------------

def test_credential_types_inject_exactly_what_every_consumer_reads():
    plugin_doc = yaml.safe_load(inventory_plugin.DOCUMENTATION)
    assert "simfleet.twilio.common.plugins" in plugin_doc["extends_documentation_fragment"]
    fragment = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
    expected = {"twilio.yml": ({"account_sid", "auth_token", "api_key", "api_secret", "base_url"}, {"auth_token", "api_secret"}),
                "kore.yml": ({"client_id", "client_secret", "token_url", "base_url"}, {"client_secret"})}
    assert sorted(os.listdir(TYPES)) == sorted(expected)
    for name, (fields, secrets) in expected.items():
        credential_type = load_type(name)
        assert credential_type["kind"] == "cloud"
        declared = dict((field["id"], field) for field in credential_type["inputs"]["fields"])
        assert set(declared) == fields
        assert set(f for f, field in declared.items() if field.get("secret")) == secrets
        # a secret of the collection is one that its options never log
        assert secrets == set(f for f in fields if CONNECTION_OPTIONS[f].spec.get("no_log"))
        env = credential_type["injectors"]["env"]
        wanted = dict((CONNECTION_OPTIONS[f].env, "{{ %s }}" % f) for f in fields)
        wanted[CONNECTION_OPTIONS["platform"].env] = name[:-4]
        assert env == wanted
        for var in env:
            option = next(o for o, spec in CONNECTION_OPTIONS.items() if spec.env == var)
            # the inventory plugin and the event source read the same variable for the same option
            assert [e["name"] for e in fragment[option]["env"]] == [var]
            if option == "platform":
                assert sim_events.PLATFORM_ENV == var
            else:
                assert sim_events.OPTIONS[option].env == var


CASES = {
    "twilio_auth_token": ("twilio.yml", "twilio"),
    "twilio_api_key": ("twilio.yml", "twilio"),
    "kore": ("kore.yml", "kore"),
}


def inputs_for(case, sim):
    if case == "twilio_auth_token":
        return {"account_sid": sim.account_sid, "auth_token": sim.auth_token, "base_url": sim.product_url}
    if case == "twilio_api_key":
        return {"account_sid": sim.account_sid, "api_key": sim.api_key, "api_secret": sim.api_secret, "base_url": sim.product_url}
    return {"client_id": sim.client_id, "client_secret": sim.client_secret, "token_url": sim.token_url, "base_url": sim.product_url}


def secrets_for(case, sim):
    return [sim.client_secret] if case == "kore" else [sim.auth_token, sim.api_secret]


@pytest.mark.parametrize("case", sorted(CASES))
def test_injected_environment_authenticates_module_inventory_and_event_source(case, simulator_factory, tmp_path):
    type_file, platform = CASES[case]
    sim = simulator_factory(seed=23, wireless_sims=7, super_sims=5, platform=platform)
    injected = render_injectors(load_type(type_file), inputs_for(case, sim))
    assert injected["TWILIO_PLATFORM"] == platform
    truth = sim.kore_truth if platform == "kore" else sim.truth
    supersims = sorted(r["sid"] for r in truth["supersim_sims"])
    wireless = sorted(r["sid"] for r in truth["wireless_sims"])

    # a module, with no connection option in the task
    keep = {"content": "{{ listed.sims | map(attribute='sid') | list | to_json }}", "dest": str(tmp_path / "sids.json"), "mode": "0600"}
    play = [{"name": "One info module", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"ansible_python_interpreter": sys.executable},
             "tasks": [{"name": "List", "simfleet.twilio.supersim_sim_info": {}, "register": "listed"},
                       {"name": "Keep", "ansible.builtin.copy": keep}]}]
    (tmp_path / "play.yml").write_text(json.dumps(play))
    playbook = run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "play.yml"], job_env(injected, tmp_path), tmp_path)
    assert playbook.returncode == 0, playbook.stdout + playbook.stderr
    assert sorted(json.loads((tmp_path / "sids.json").read_text())) == supersims
    no_secret([playbook.stdout, playbook.stderr], secrets_for(case, sim))

    # the inventory plugin, with the shipped source file (no credentials in it), as an inventory update of AWX
    def update(job):
        sim.reset_stats()
        result = run([os.path.join(BIN, "ansible-inventory"), "-i", SOURCE, "--list"],
                     dict(job_env(injected, tmp_path / job), **AWX_INVENTORY_ENV), tmp_path)
        assert result.returncode == 0, result.stderr
        no_secret([result.stdout, result.stderr], secrets_for(case, sim))
        return sids_of(result.stdout), sim.stats()["requests"]

    hosts, requests = update("job1")
    assert hosts == sorted(supersims + wireless) and requests > 0
    if case == "twilio_auth_token":
        # the cache lives in the job's private home (nothing is written elsewhere), holds no secret, and serves the job
        cache_dir = tmp_path / "job1" / ".cache" / "simfleet_twilio_sims"
        cached = [cache_dir / name for name in os.listdir(cache_dir)]
        assert cached
        no_secret([path.read_text() for path in cached], secrets_for(case, sim))
        assert not (tmp_path / ".cache").exists()
        assert update("job1") == (hosts, 0)

    # the event source in poll mode, one poll, with no credential among its arguments
    async def one_poll():
        queue = asyncio.Queue()
        settings = sim_events.parse_args({"mode": "poll", "product": "wireless", "emit_initial": True, "interval": 5}, environ=injected)
        poller = sim_events.Poller(queue, settings)
        try:
            await poller.poll_once()
        finally:
            poller.client.close()
        return [queue.get_nowait() for dummy in range(queue.qsize())]

    events = asyncio.run(one_poll())
    assert sorted(e["sim"]["sid"] for e in events) == wireless
    assert set(e["type"] for e in events) == {"simfleet.sim.added"}


# -- the inventory source as AWX runs it ---------------------------------------------------------------------------

def test_a_refused_api_call_fails_the_inventory_update(simulator_factory, tmp_path):
    sim = simulator_factory(seed=23, wireless_sims=3, super_sims=2)
    wrong = "0000ffff0000ffff0000ffff0000ffff"
    injected = render_injectors(load_type("twilio.yml"), {"account_sid": sim.account_sid, "auth_token": wrong,
                                                          "base_url": sim.product_url})
    result = run([os.path.join(BIN, "ansible-inventory"), "-i", SOURCE, "--list"],
                 dict(job_env(injected, tmp_path), **AWX_INVENTORY_ENV), tmp_path)
    assert result.returncode != 0
    assert result.stdout.strip() == ""  # no inventory at all, not an empty one
    message = " ".join(result.stderr.split())
    assert "simfleet.twilio.sims" in message and "401" in message, message
    no_secret([result.stderr], [wrong])
    assert not (tmp_path / ".cache" / "simfleet_twilio_sims").exists() or not os.listdir(tmp_path / ".cache" / "simfleet_twilio_sims")


# -- the setup playbook against a controller API -------------------------------------------------------------------

class Controller:
    """A small automation controller API: objects by kind, lookups by query, POST, PATCH, attached credentials."""

    def __init__(self, objects):
        self.objects = objects  # {kind: [records]}
        self.requests = []
        self.next_id = 100
        controller = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body=None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                url = urllib.parse.urlsplit(self.path)
                controller.requests.append((self.command, url.path, body))
                if self.headers.get("Authorization") != "Bearer " + TOKEN:
                    return self.answer(401, {"detail": "Authentication credentials were not provided."})
                return self.answer(*controller.serve(self.command, url.path, dict(urllib.parse.parse_qsl(url.query)), body))

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, method, path, query, body):
        parts = [p for p in path.split("/") if p]
        if parts[:2] != ["api", "v2"]:
            return 404, {"detail": "Not found."}
        parts = parts[2:]
        if parts == ["me"]:
            return 200, {"count": 1, "results": [{"id": 1, "username": "admin"}]}
        kind = parts[0]
        records = self.objects.setdefault(kind, [])
        if len(parts) == 1 and method == "GET":
            found = [r for r in records if all(str(r.get(k)) == v for k, v in query.items())]
            return 200, {"count": len(found), "results": found}
        if len(parts) == 1 and method == "POST":
            self.next_id += 1
            records.append(dict(body, id=self.next_id))
            return 201, records[-1]
        record = next((r for r in records if str(r["id"]) == parts[1]), None)
        if record is None:
            return 404, {"detail": "Not found."}
        if len(parts) == 2 and method == "PATCH":
            record.update(body)
            return 200, record
        if parts[2:] == ["credentials"]:
            attached = record.setdefault("credentials", [])
            if method == "GET":
                found = [c for c in attached if str(c) == query.get("id", str(c))]
                return 200, {"count": len(found), "results": [{"id": c} for c in found]}
            attached.append(body["id"])
            return 204, None
        return 405, {"detail": "Method not allowed."}

    def writes(self):
        return [r for r in self.requests if r[0] != "GET"]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def controller():
    kore = load_type("kore.yml")
    stale = dict(kore, id=7, injectors={"env": dict(kore["injectors"]["env"], KORE_TOKEN_URL="https://old.example.com/token")})
    server = Controller({"credential_types": [stale], "organizations": [{"id": 1, "name": "Default"}],
                         "projects": [{"id": 5, "name": "Fleet project"}], "credentials": [{"id": 9, "name": "Fleet account"}]})
    yield server
    server.stop()


def setup_run(controller, tmp_path, *extra):
    env = dict((k, v) for k, v in clean_env().items() if not k.startswith("CONTROLLER_"))
    env.update(ANSIBLE_PIPELINING="1", HOME=str(tmp_path), CONTROLLER_HOST=controller.url, CONTROLLER_OAUTH_TOKEN=TOKEN)
    result = run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", SETUP, "-v"] + list(extra), env, tmp_path)
    no_secret([result.stdout, result.stderr], [TOKEN])
    return result


def test_setup_playbook_check_mode_reads_only_then_a_run_writes_what_differs(controller, tmp_path):
    with open(SETUP, encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)[0]["vars"]["aap_setup_job_templates"]
    assert [t["playbook"] for t in defaults] == ["playbooks/audit.yml", "playbooks/compliance.yml", "playbooks/remediate.yml"]
    assert all(os.path.exists(os.path.join(ROOT, t["playbook"])) for t in defaults)
    # one job template is enough to show how each is created and given the credential
    project = ["-e", "aap_setup_project='Fleet project'", "-e", "aap_setup_credential='Fleet account'",
               "-e", json.dumps({"aap_setup_job_templates": [{"name": "Audit", "playbook": "playbooks/audit.yml"}]})]
    checked = setup_run(controller, tmp_path, "--check", *project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert controller.writes() == []
    assert "would create credential_types 'Twilio (simfleet.twilio)'" in checked.stdout
    assert "would update credential_types 'KORE Wireless (simfleet.twilio)' (injectors)" in checked.stdout
    assert "would create inventories 'SIM fleet'" in checked.stdout
    assert "would create job_templates 'Audit'" in checked.stdout

    applied = setup_run(controller, tmp_path, *project)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    writes = controller.writes()
    twilio, kore = load_type("twilio.yml"), load_type("kore.yml")
    assert len(writes) == 6, writes  # two credential types, the inventory, its source, the job template, the credential
    assert ("POST", "/api/v2/credential_types/", twilio) in writes
    assert ("PATCH", "/api/v2/credential_types/7/", {"injectors": kore["injectors"]}) in writes
    inventory = controller.objects["inventories"][0]
    assert inventory["name"] == "SIM fleet" and inventory["organization"] == 1
    source = controller.objects["inventory_sources"][0]
    assert (source["inventory"], source["source"], source["source_project"], source["credential"]) == (inventory["id"], "scm", 5, 9)
    assert [(t["name"], t["playbook"], t["project"], t["inventory"], t["credentials"]) for t in controller.objects["job_templates"]] == [
        ("Audit", "playbooks/audit.yml", 5, inventory["id"], [9])]

    del controller.requests[:]
    again = setup_run(controller, tmp_path, *project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert controller.writes() == [] and "changed=0" in again.stdout


def test_setup_playbook_fails_clearly_on_a_refused_token(controller, tmp_path):
    env_token = ["-e", "aap_setup_controller_oauthtoken=wrong-token-0123"]
    result = setup_run(controller, tmp_path, "--check", *env_token)
    assert result.returncode != 0
    message = " ".join(result.stdout.split())
    assert "The controller did not accept the request for %s/api/v2/me/" % controller.url in message, message
    assert "HTTP Error 401" in message, message
    assert "wrong-token-0123" not in result.stdout + result.stderr
    assert controller.writes() == []


# -- ansible-navigator ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def navigator(tmp_path_factory):
    """``ansible-navigator run`` of the audit playbook, started before the module's first test and run beside them."""
    sim = Simulator(seed=23, wireless_sims=4, super_sims=3).start()
    workdir = tmp_path_factory.mktemp("navigator")
    env = clean_env(dict(ANSIBLE_NAVIGATOR_CONFIG=os.path.join(ROOT, "ansible-navigator.yml"), HOME=str(workdir),
                         TWILIO_ACCOUNT_SID=sim.account_sid, TWILIO_AUTH_TOKEN=sim.auth_token, TWILIO_BASE_URL=sim.product_url))
    extra = json.dumps({"sim_audit_now": sim.now_iso, "sim_audit_output_dir": str(workdir / "reports")})
    process = subprocess.Popen([os.path.join(BIN, "ansible-navigator"), "run", os.path.join(ROOT, "playbooks", "audit.yml"),
                                "-i", "localhost,", "--mode", "stdout", "--execution-environment", "false", "-e", extra],
                               env=env, cwd=str(workdir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield {"sim": sim, "workdir": workdir, "process": process}
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
        sim.stop()


def test_navigator_runs_the_audit_without_an_execution_environment(navigator):
    sim, workdir = navigator["sim"], navigator["workdir"]
    stdout, stderr = navigator["process"].communicate(timeout=300)
    assert navigator["process"].returncode == 0, stdout[-3000:] + stderr[-3000:]
    assert "PLAY RECAP" in stdout and "failed=0" in stdout
    audit = json.loads((workdir / "reports" / "audit.json").read_text())
    truth = sim.truth
    assert (audit["totals"]["wireless_sims"], audit["totals"]["supersim_sims"]) == (len(truth["wireless_sims"]), len(truth["supersim_sims"]))
    statuses = collections.Counter(r["status"] for r in truth["wireless_sims"] + truth["supersim_sims"])
    assert audit["sims"]["by_status"]["all"] == dict(statuses)
    assert not list(workdir.glob("*artifact*.json"))  # the sample keeps no playbook artifact
    no_secret([stdout, stderr, json.dumps(audit)], [sim.auth_token])
