"""A Twilio-compatible simulator of the Wireless and Super SIM APIs, reads and writes (status transitions,
asynchronous changes, command lifecycles), which can also play KORE Wireless (OAuth 2.0 client credentials,
bearer tokens); see README.md."""
from .harness import Simulator
from .kore import CLIENT_ID as KORE_CLIENT_ID
from .kore import CLIENT_SECRET as KORE_CLIENT_SECRET
from .kore import SECOND_CLIENT_ID as KORE_SECOND_CLIENT_ID
from .kore import SECOND_CLIENT_SECRET as KORE_SECOND_CLIENT_SECRET
from .kore import TOKEN_PATH
from .server import ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, SECOND_ACCOUNT_SID, SECOND_AUTH_TOKEN

__all__ = ["Simulator", "ACCOUNT_SID", "AUTH_TOKEN", "API_KEY", "API_SECRET", "SECOND_ACCOUNT_SID", "SECOND_AUTH_TOKEN",
           "KORE_CLIENT_ID", "KORE_CLIENT_SECRET", "KORE_SECOND_CLIENT_ID", "KORE_SECOND_CLIENT_SECRET", "TOKEN_PATH"]
