# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""End-to-end tests on KORE Wireless: real ``ansible-playbook`` runs and the shared client against the simulator
playing KORE (OAuth 2.0 client credentials, a token endpoint on its own port, bearer tokens).

- every info module, unfiltered and with its first filter, the records checked against the simulator's truth, one token per module
  run, the client secret only at the token listener and bearer tokens only at the API listener;
- ``-vvv`` and failures (wrong secret, a token endpoint that keeps failing, credentials of both platforms) with
  no secret and no access token anywhere in the output, and no API request when no token could be had;
- the token lifecycle at fleet scale: 100,000 SIMs with tokens that live 2 seconds, a revoked token, a client
  that is refused new tokens;
- token outages (the token endpoint down after the first token, an API refusing every token) cost a few token
  requests for a whole pool of threads, then one clear authentication failure per request.
"""

import concurrent.futures
import copy
import glob
import json
import os
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)

from _ansible import run_tasks  # noqa: E402
from _table import INFO_MODULES, LISTING_MODULES, truth_key  # noqa: E402
from simulator import Simulator  # noqa: E402

from ansible_collections.simfleet.twilio.plugins.module_utils._batch import PacingGate  # noqa: E402
from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient, TwilioError  # noqa: E402
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS, redact  # noqa: E402

MODULES = LISTING_MODULES
# The modules that list records under one SIM (a parent), and the truth key of their records.
SIM_MODULES = [name for name in INFO_MODULES if ENDPOINTS[name].parents == ("sim",)]
# Which record field each filter option matches; None: a value the simulator never shows (expect no record).
FILTER_FIELDS = {"status": "status", "iccid": "iccid", "rate_plan": "rate_plan_sid", "e_id": "e_id", "fleet": "fleet_sid",
                 "eid": "eid", "sim_sid": "sim_sid", "sim": "sim_sid", "sim_iccid": "sim_iccid", "direction": "direction", "transport": "transport",
                 "sim_registration_code": None, "network_access_profile": "network_access_profile_sid", "iso_country": "iso_country",
                 "mcc": None, "mnc": None}
USAGE_WINDOW = ("2026-11-21T00:00:00Z", "2026-11-28T00:00:00Z")


def kore_connection(sim, **extra):
    return dict(client_id=sim.client_id, client_secret=sim.client_secret, token_url=sim.token_url, base_url=sim.product_url,
                **extra)


def secrets_of(sim):
    """The client secrets and every access token the simulator handed out."""
    tokens = set(entry["credential"] for entry in sim.requests_log("api") if entry.get("auth") == "bearer" and entry.get("credential"))
    return [sim.client_secret, sim.second_client_secret] + sorted(tokens)


@pytest.fixture(scope="module")
def kore():
    with Simulator(seed=21, wireless_sims=240, super_sims=160, platform="kore") as sim:
        yield sim


def filter_cases(sim):
    """(task name, module, filter args, expected records) for every info module: unfiltered and with its first
    filter. The platform changes the host and the authentication, never the query: every filter of every module is
    checked against Twilio's description by test_openapi_contract.py."""
    truth = sim.kore_truth
    cases = []
    for name in MODULES:
        endpoint = ENDPOINTS[name]
        records = truth[truth_key(name)]
        cases.append(("%s unfiltered" % name, name, {}, records))
        for f in endpoint.filters[:1]:
            assert f.option in FILTER_FIELDS, "add %s to FILTER_FIELDS" % f.option
            field = FILTER_FIELDS[f.option]
            if field is None:
                cases.append(("%s %s" % (name, f.option), name, {f.option: "no-such-value"}, []))
                continue
            value = next(r[field] for r in records if r.get(field))
            expected = [r for r in records if r.get(field) == value]
            assert expected
            cases.append(("%s %s" % (name, f.option), name, {f.option: value}, expected))
    for name in SIM_MODULES:
        records = truth[truth_key(name)]
        if isinstance(records, dict):   # records without a SID, by SIM SID
            sim_sid = next(sid for sid, found in sorted(records.items()) if found)
            expected = records[sim_sid]
        else:
            sim_sid = records[0]["sim_sid"]
            expected = [r for r in records if r["sim_sid"] == sim_sid]
        cases.append(("%s of one sim" % name, name, {"sim": sim_sid}, expected))
    return cases


def usage_cases(sim):
    """(task name, module, args, the bytes the truth says) for usage on KORE: the Wireless account, Super SIMs by SIM."""
    truth = sim.kore_truth
    start, end = USAGE_WINDOW

    def used(sid):
        return sim.usage_between(sid, start, end)["total"]

    per_sim = dict((s["sid"], used(s["sid"])) for s in truth["supersim_sims"] if used(s["sid"]))
    return [
        ("wireless usage", "wireless_usage_record", {"start": start, "end": end}, [sum(used(s["sid"]) for s in truth["wireless_sims"])]),
        ("supersim usage by sim", "supersim_usage_record", {"start_time": start, "end_time": end, "group": "sim"}, per_sim),
    ]


def test_every_module_and_filter_on_kore(kore, tmp_path):
    kore.reset_stats()
    cases = filter_cases(kore)
    usage = usage_cases(kore)
    tasks = [{"name": title, "simfleet.twilio.%s_info" % name: dict(args, **kore_connection(kore))}
             for title, name, args, dummy in cases + usage]
    run = run_tasks(str(tmp_path), tasks, verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    for title, name, dummy, expected in cases:
        endpoint = ENDPOINTS[name]
        got = run.ok(title)[endpoint.key]
        assert got == redact(endpoint, copy.deepcopy(expected)), title
    assert [r["data"]["total"] for r in run.ok("wireless usage")["usage_records"]] == usage[0][3]
    assert dict((r["sim_sid"], r["data_total"]) for r in run.ok("supersim usage by sim")["usage_records"] if r["data_total"]) == usage[1][3]
    cases += usage
    # One token per module run, the secret only at the token listener, bearer tokens only at the API listener.
    assert kore.token_stats()["issued"] == len(cases)
    counts = kore.request_counts()
    assert counts["token"]["requests"] == len(cases) and counts["token"]["client_secret"] == len(cases)
    assert counts["api"]["client_secret"] == 0 and set(counts["api"]["auth"]) == {"bearer"}
    assert set(counts["token"]["auth"]) <= {"none"}
    assert all(entry["path"].startswith(("/programmable-wireless/v1/", "/supersim/v1/")) for entry in kore.requests_log("api"))
    for secret in secrets_of(kore):
        assert secret not in run.output
    assert "kore-at-" not in run.output


def test_failures_on_kore_are_clear_and_reveal_nothing(kore, tmp_path):
    kore.reset_stats()
    connection = kore_connection(kore, max_retries=1, max_retry_time=5)
    with Simulator(seed=22, wireless_sims=5, super_sims=5, platform="kore", token_faults={"rate_5xx": 1.0, "status_5xx": 503}) as down:
        tasks = [
            {"name": "wrong secret", "simfleet.twilio.supersim_sim_info": dict(connection, client_secret="not-the-secret-000")},
            {"name": "both platforms", "simfleet.twilio.wireless_sim_info": dict(
                connection, auth_token="0123456789abcdef0123456789abcdef", account_sid=kore.account_sid)},
            {"name": "no client secret", "simfleet.twilio.wireless_sim_info": dict(client_id=kore.client_id, base_url=kore.product_url)},
            {"name": "token endpoint down", "simfleet.twilio.wireless_sim_info": dict(kore_connection(down), max_retries=1)},
            {"name": "twilio credentials on a kore-only server", "simfleet.twilio.wireless_sim_info": dict(
                account_sid=kore.account_sid, auth_token=kore.auth_token, base_url=kore.product_url, max_retries=0)},
        ]
        for task in tasks:
            task["ignore_errors"] = True
        run = run_tasks(str(tmp_path), tasks, workers=1, verbosity=3)
        down_counts = down.request_counts()
        leaked = secrets_of(down)
    message = run.failed("wrong secret")["msg"]
    assert message == ("KORE token request failed: POST %s answered HTTP 401: unauthorized_client: Invalid client or Invalid client "
                       "credentials" % kore.token_url)
    assert "credentials of both platforms are set" in run.failed("both platforms")["msg"]
    assert "client_secret is required on KORE" in run.failed("no client secret")["msg"]
    message = run.failed("token endpoint down")["msg"]
    assert "KORE token endpoint answered HTTP 503" in message or "temporarily_unavailable" in message
    assert "gave up after 2 attempts" in message
    assert "Twilio API error 20003 (HTTP 401)" in run.failed("twilio credentials on a kore-only server")["msg"]
    # No token, no API request: the failed token requests never reached the API listener.
    assert "api" not in down_counts and down_counts["token"]["requests"] == 2
    counts = kore.request_counts()
    assert counts["token"]["requests"] == 1 and counts["api"]["requests"] == 1  # the wrong secret; the Twilio-credentials run
    for secret in secrets_of(kore) + leaked + ["not-the-secret-000"]:
        assert secret not in run.output


# -- the token lifecycle at fleet scale, through the shared client -------------------------------------------------

def test_100000_sims_with_tokens_that_live_2_seconds(tmp_path):
    with Simulator(seed=23, wireless_sims=100000, super_sims=10, platform="kore", token_lifetime=2, subprocess=True,
                   faults={"latency_ms": 40}) as sim:
        sim.reset_stats()
        started = time.monotonic()
        with TwilioClient(**kore_connection(sim)) as client:
            records = client.list_records(ENDPOINTS["wireless_sim"])
        seconds = time.monotonic() - started
        sids = [r["sid"] for r in records]
        stats = sim.token_stats()
        pages = sim.stats()["requests"]
    assert len(sids) == 100000 and len(set(sids)) == 100000
    # 100 pages of at least 40 ms: at least 4 seconds, so tokens expire during the listing; each one is replaced
    # before it runs out (no page is refused) and no more are asked for than the listing's length needs.
    assert pages == 100, (pages, seconds)
    # A token serves 1.8 of its 2 seconds: one per 1.8 seconds of listing, and the first.
    assert 3 <= client.token_requests <= seconds / 1.8 + 1, (client.token_requests, seconds)
    assert stats["issued"] == client.token_requests, (stats, client.token_requests)
    assert stats["rejected_expired"] == 0, (stats, seconds)
    print("kore 100000 SIMs, 2 s tokens: %d pages in %.1f s, %d token requests" % (pages, seconds, client.token_requests))


def test_a_revoked_token_costs_one_renewal_then_a_refused_client_fails_clearly(kore):
    kore.revoke_tokens()  # those of the tests before
    kore.reset_stats()
    sims = ENDPOINTS["supersim_sim"]
    with TwilioClient(**kore_connection(kore)) as client:
        assert len(client.list_records(sims)) == 160
        assert kore.revoke_tokens() == 1
        assert len(client.list_records(sims)) == 160
        assert client.token_requests == 2
        kore.revoke_tokens()
        kore.disable_client()
        try:
            with pytest.raises(TwilioError) as err:
                client.list_records(sims)
        finally:
            kore.enable_client()
    assert str(err.value) == ("KORE token request failed: POST %s answered HTTP 401: unauthorized_client: Invalid client or "
                              "Invalid client credentials" % kore.token_url)
    assert client.token_requests == 3
    log = kore.requests_log("api")
    assert [entry["status"] for entry in log] == [200, 401, 200, 401]


def test_no_python_file_of_the_collection_names_a_kore_secret():
    """The simulator's secrets are test data: nothing under plugins/ may carry them."""
    for path in glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True):
        with open(path) as handle:
            assert "simulator-kore-secret" not in handle.read(), path


# -- token outages: a bounded number of token requests for the whole run, shared by every thread ----------------------

def threaded_writes(client, records, workers=8):
    """A friendly name written to each SIM from a pool of ``workers`` threads sharing ``client`` (a batch's pool):
    the TwilioError of each SIM, or None."""
    wireless = ENDPOINTS["wireless_sim"]

    def write(record):
        try:
            client.update(wireless, record["sid"], {"FriendlyName": "outage-%s" % record["sid"][-6:]}, idempotent=False)
        except TwilioError as err:
            return err
        return None

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(write, records))


def test_a_token_endpoint_down_after_the_first_token_costs_a_few_token_requests_for_the_whole_pool():
    with Simulator(seed=24, wireless_sims=200, super_sims=0, platform="kore", token_lifetime=1) as sim:
        sim.set_token_outage(outage_after=1)
        with TwilioClient(gate=PacingGate(8), **kore_connection(sim, max_retries=5)) as client:
            records = client.list_records(ENDPOINTS["wireless_sim"])
            time.sleep(1.0)  # the one token expires; the token endpoint is down from now on
            started = time.monotonic()
            errors = threaded_writes(client, records)
            seconds = time.monotonic() - started
        stats = sim.token_stats()
        writes = sim.writes(log=False)
        leaked = secrets_of(sim)
    assert len(records) == 200 and all(errors), "a write succeeded without a token"
    # The first token, then one renewal: its first request and TOKEN_MAX_RETRIES (2) retries; none per write.
    assert stats["requests"] == 4 and stats["issued"] == 1 and stats["faults"] == {"outage": 3}, stats
    assert client.token_requests == 2
    assert writes["requests"] == 0 and seconds < 15, (writes, seconds)
    messages = [str(err) for err in errors]
    first = [m for m in messages if not m.startswith("not sent: KORE authentication failed earlier in this run: ")]
    assert len(first) == 1 and "temporarily_unavailable" in first[0] and "gave up after 3 attempts" in first[0], first
    assert all(err.http_status == 503 for err in errors)
    for secret in leaked:
        assert not any(secret in m for m in messages)


def test_an_api_refusing_every_token_costs_two_tokens_for_the_whole_pool():
    with Simulator(seed=25, wireless_sims=200, super_sims=0, platform="kore") as sim:
        with TwilioClient(gate=PacingGate(8), **kore_connection(sim)) as client:
            records = client.list_records(ENDPOINTS["wireless_sim"])
            sim.reset_stats()
            sim.set_token_outage(reject_tokens=True)
            errors = threaded_writes(client, records)
        stats = sim.token_stats()
        counts = sim.request_counts()
        writes = sim.writes(log=False)
        leaked = secrets_of(sim)
    assert all(errors) and not sum(writes["applied"].values()), writes
    # The token in use, refused: one new token, refused too: the end of authentication for the run.
    assert stats["requests"] == 1 and client.token_requests == 2, stats
    assert counts["api"]["requests"] <= 2 * 8, counts
    assert all(err.http_status == 401 and err.code == 20003 for err in errors)
    assert sum("refused 2 access tokens in a row" in str(err) for err in errors) >= 1
    assert sum(str(err).startswith("not sent: KORE authentication failed earlier in this run") for err in errors) >= 200 - 16
    for secret in leaked:
        assert not any(secret in str(err) for err in errors)


def test_sim_batch_under_a_token_outage_asks_for_a_few_tokens_and_fails_clearly(tmp_path):
    with Simulator(seed=26, wireless_sims=120, super_sims=0, platform="kore", token_lifetime=1, faults={"latency_ms": 100}) as sim:
        sids = [record["sid"] for record in sim.kore_truth["wireless_sims"]]
        sim.set_token_outage(outage_after=1)
        task = {"name": "batch", "ignore_errors": True, "simfleet.twilio.sim_batch": dict(
            kore_connection(sim, max_retries=5), product="wireless", sims=sids, friendly_name="outage", max_concurrency=8)}
        run = run_tasks(str(tmp_path), [task], workers=1, verbosity=3)
        stats = sim.token_stats()
        leaked = secrets_of(sim)
    result = run.failed("batch")
    # One token for the listing and the first writes; when it runs out, one renewal of at most three requests.
    assert stats["issued"] == 1 and stats["requests"] <= 4, stats
    assert "KORE" in json.dumps(result) and "temporarily_unavailable" in json.dumps(result), json.dumps(result)[:3000]
    for secret in leaked:
        assert secret not in run.output
