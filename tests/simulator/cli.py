"""Command line: `python tests/simulator [options]` prints its base URL first (and on the KORE platforms
the token URL second), then serves until stopped."""
import argparse
import os
import signal
import sys
import threading

from . import events
from .faults import FAULT_NAMES, INTEGER_FAULTS, TOKEN_FAULT_NAMES, TOKEN_INTEGER_FAULTS
from .kore import CLIENT_ID, CLIENT_SECRET, DEFAULT_TOKEN_LIFETIME, PLATFORMS
from .server import ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, Server, SimConfig
from .writes import WriteConfig

# Fault flags: --rate-429, --retry-after, --rate-5xx, --latency-ms, --drop-rate, --truncate-rate,
# --status-5xx, --max-concurrency and --fault-seed, one per FaultConfig field.
FAULT_FLAGS = {("--fault-seed" if name == "seed" else "--" + name.replace("_", "-")): name for name in FAULT_NAMES}
# Token endpoint fault flags: --token-rate-401, --token-rate-429, --token-retry-after, --token-rate-5xx,
# --token-status-5xx, --token-drop-rate, --token-latency-ms, --token-fail-next, --token-fail-status and
# --token-fault-seed, one per TokenFaultConfig field.
TOKEN_FAULT_FLAGS = {("--token-fault-seed" if name == "seed" else "--token-" + name.replace("_", "-")): name
                     for name in TOKEN_FAULT_NAMES}


def parser():
    p = argparse.ArgumentParser(prog="python tests/simulator", description="Twilio Wireless and Super SIM API simulator.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free port (default)")
    p.add_argument("--seed", type=int, default=1, help="seed of the generated fleet (default 1)")
    p.add_argument("--wireless-sims", type=int, default=100, help="generated Wireless SIMs (default 100)")
    p.add_argument("--super-sims", type=int, default=50, help="generated Super SIMs (default 50)")
    p.add_argument("--esim-profiles", type=int, help="generated eSIM profiles (default: a quarter of the Super SIMs)")
    p.add_argument("--ip-commands", type=int, help="generated IP commands (default: as many as Super SIMs)")
    p.add_argument("--sms-commands", type=int, help="generated SMS commands (default: as many as Super SIMs)")
    p.add_argument("--wireless-commands", type=int, help="generated Wireless commands (default: a tenth of the Wireless SIMs)")
    p.add_argument("--unregistered-sims", type=int, default=20,
                   help="Super SIMs that any account may register, ICCIDs 8988307998... (default 20)")
    p.add_argument("--settle-seconds", type=float, default=WriteConfig.settle_seconds,
                   help="delay before a status change (and a connectivity reset) settles; meanwhile a Wireless SIM is "
                        "'updating', a Super SIM 'scheduled' (default 0: at once)")
    p.add_argument("--command-step-seconds", type=float, default=WriteConfig.command_step_seconds,
                   help="delay of each lifecycle step of a created command, queued -> sent -> delivered/received "
                        f"(default {WriteConfig.command_step_seconds})")
    p.add_argument("--command-failure-rate", type=float, default=WriteConfig.command_failure_rate,
                   help="share of created commands that fail (seeded; a payload containing 'fail' always fails)")
    p.add_argument("--fixture", help="JSON or YAML fixture file replacing the generated fleet of the main account")
    p.add_argument("--now", help="reference time, ISO 8601 or epoch seconds (default: today 00:00 UTC)")
    p.add_argument("--account-sid", default=ACCOUNT_SID, help="Account SID owning the fleet")
    p.add_argument("--auth-token", default=AUTH_TOKEN, help="its Auth Token")
    p.add_argument("--api-key", default=API_KEY, help="API key SID of that account")
    p.add_argument("--api-secret", default=API_SECRET, help="the API key's secret")
    p.add_argument("--platform", choices=tuple(PLATFORMS), default="twilio",
                   help="twilio: HTTP basic auth (default); kore: KORE bearer tokens only, /programmable-wireless; "
                        "both: either (also starts the token listener and prints its URL as the second line)")
    p.add_argument("--token-lifetime", type=float, default=DEFAULT_TOKEN_LIFETIME,
                   help=f"seconds an access token lives (fractions allowed; default {DEFAULT_TOKEN_LIFETIME})")
    p.add_argument("--token-port", type=int, default=0, help="port of the token listener; 0 picks a free port (default)")
    p.add_argument("--client-id", default=CLIENT_ID, help="KORE API client ID of the main account")
    p.add_argument("--client-secret", default=CLIENT_SECRET, help="its client secret")
    p.add_argument("--stop-on-stdin-eof", action="store_true",
                   help="exit when standard input closes (lets a parent process's death stop the simulator)")
    for flag, name in FAULT_FLAGS.items():
        kind = int if name in INTEGER_FAULTS else float
        p.add_argument(flag, dest=f"fault_{name}", type=kind, default=None, help=f"fault setting {name}")
    for flag, name in TOKEN_FAULT_FLAGS.items():
        kind = int if name in TOKEN_INTEGER_FAULTS else float
        p.add_argument(flag, dest=f"token_fault_{name}", type=kind, default=None, help=f"token endpoint fault setting {name}")
    events.add_flags(p)
    return p


def given(args, prefix, flags):
    """{setting: value} of the fault flags given on the command line."""
    values = {name: getattr(args, f"{prefix}{name}") for name in flags.values()}
    return {name: value for name, value in values.items() if value is not None}


def config_from_args(args):
    return SimConfig(host=args.host, port=args.port, seed=args.seed, wireless_sims=args.wireless_sims,
                     super_sims=args.super_sims, esim_profiles=args.esim_profiles, ip_commands=args.ip_commands,
                     sms_commands=args.sms_commands, wireless_commands=args.wireless_commands,
                     unregistered_sims=args.unregistered_sims, settle_seconds=args.settle_seconds,
                     command_step_seconds=args.command_step_seconds, command_failure_rate=args.command_failure_rate,
                     fixture=args.fixture, now=args.now, account_sid=args.account_sid,
                     auth_token=args.auth_token, api_key=args.api_key, api_secret=args.api_secret,
                     faults=given(args, "fault_", FAULT_FLAGS), platform=args.platform,
                     token_lifetime=args.token_lifetime, token_port=args.token_port, client_id=args.client_id,
                     client_secret=args.client_secret, token_faults=given(args, "token_fault_", TOKEN_FAULT_FLAGS))


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop_on_stdin_eof():
    """Send ourselves SIGTERM once standard input reaches end of file."""
    def watch():
        while sys.stdin.read(4096):
            pass
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def main(argv=None):
    args = parser().parse_args(argv)
    server = Server(config_from_args(args))
    event_config = events.config_from_flags(args)
    emitter = events.EventEmitter(server.app.store, args.account_sid, event_config) if event_config else None
    signal.signal(signal.SIGTERM, _interrupt)
    if args.stop_on_stdin_eof:
        _stop_on_stdin_eof()
    try:
        # Inside the try: a parent may stop us (closing stdin, a signal) as soon as it has read the URL.
        print(server.base_url, flush=True)
        if server.token_url:
            print(server.token_url, flush=True)
        if emitter is not None:
            emitter.start()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if emitter is not None:
            emitter.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
