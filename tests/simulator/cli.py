"""Command line: `python tests/simulator [options]` prints its base URL first, then serves until stopped."""
import argparse
import os
import signal
import sys
import threading

from .faults import FAULT_NAMES, INTEGER_FAULTS
from .server import ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, Server, SimConfig

# Fault flags: --rate-429, --retry-after, --rate-5xx, --latency-ms, --drop-rate, --truncate-rate,
# --status-5xx, --max-concurrency and --fault-seed, one per FaultConfig field.
FAULT_FLAGS = {("--fault-seed" if name == "seed" else "--" + name.replace("_", "-")): name for name in FAULT_NAMES}


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
    p.add_argument("--fixture", help="JSON or YAML fixture file replacing the generated fleet of the main account")
    p.add_argument("--now", help="reference time, ISO 8601 or epoch seconds (default: today 00:00 UTC)")
    p.add_argument("--account-sid", default=ACCOUNT_SID, help="Account SID owning the fleet")
    p.add_argument("--auth-token", default=AUTH_TOKEN, help="its Auth Token")
    p.add_argument("--api-key", default=API_KEY, help="API key SID of that account")
    p.add_argument("--api-secret", default=API_SECRET, help="the API key's secret")
    p.add_argument("--stop-on-stdin-eof", action="store_true",
                   help="exit when standard input closes (lets a parent process's death stop the simulator)")
    for flag, name in FAULT_FLAGS.items():
        kind = int if name in INTEGER_FAULTS else float
        p.add_argument(flag, dest=f"fault_{name}", type=kind, default=None, help=f"fault setting {name}")
    return p


def config_from_args(args):
    faults = {name: getattr(args, f"fault_{name}") for name in FAULT_FLAGS.values() if getattr(args, f"fault_{name}") is not None}
    return SimConfig(host=args.host, port=args.port, seed=args.seed, wireless_sims=args.wireless_sims,
                     super_sims=args.super_sims, esim_profiles=args.esim_profiles, ip_commands=args.ip_commands,
                     sms_commands=args.sms_commands, fixture=args.fixture, now=args.now, account_sid=args.account_sid,
                     auth_token=args.auth_token, api_key=args.api_key, api_secret=args.api_secret, faults=faults)


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
    signal.signal(signal.SIGTERM, _interrupt)
    if args.stop_on_stdin_eof:
        _stop_on_stdin_eof()
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
