"""A Twilio-compatible simulator of the Wireless and Super SIM read APIs (see README.md)."""
from .harness import Simulator
from .server import ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, SECOND_ACCOUNT_SID, SECOND_AUTH_TOKEN

__all__ = ["Simulator", "ACCOUNT_SID", "AUTH_TOKEN", "API_KEY", "API_SECRET", "SECOND_ACCOUNT_SID", "SECOND_AUTH_TOKEN"]
