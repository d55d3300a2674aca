# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """Connection options shared by every module (MODULES) and by the plugins, which also document env (PLUGINS)."""

    MODULES = r"""
options:
  account_sid:
    description:
      - The Twilio Account SID (C(AC...)) that owns the resources.
      - Required, also when authenticating with an API key.
      - If not set, the value of the E(TWILIO_ACCOUNT_SID) environment variable is used.
    type: str
  auth_token:
    description:
      - The Auth Token of O(account_sid).
      - Required unless O(api_key) and O(api_secret) are set.
      - If not set, the value of the E(TWILIO_AUTH_TOKEN) environment variable is used.
    type: str
  api_key:
    description:
      - The SID of a Twilio API key (C(SK...)) of the account, used with O(api_secret) instead of O(auth_token).
      - If not set, the value of the E(TWILIO_API_KEY) environment variable is used.
    type: str
  api_secret:
    description:
      - The secret of O(api_key).
      - If not set, the value of the E(TWILIO_API_SECRET) environment variable is used.
    type: str
  base_url:
    description:
      - The root URL of Twilio's APIs. C({product}) is replaced by C(wireless) or C(supersim) for each request;
        a URL without that placeholder is used as given, for example a proxy or a local Twilio simulator.
      - Only C(http) and C(https) URLs are accepted. Paging never follows a link to another scheme, host or port.
      - If not set, the value of the E(TWILIO_BASE_URL) environment variable is used.
    type: str
    default: https://{product}.twilio.com
  timeout:
    description:
      - Seconds to wait for Twilio to connect and to answer each request.
      - If not set, the value of the E(TWILIO_TIMEOUT) environment variable is used.
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify Twilio's TLS certificate. Only turn this off for a test server you trust.
      - If not set, the value of the E(TWILIO_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  max_retries:
    description:
      - How many times a request is retried after HTTP 429 or a server error (5xx but 501 and 505), a timeout, a lost connection or a
        truncated body. Retries back off exponentially with jitter and honour C(Retry-After).
      - Other HTTP errors, such as 401 or 404, are never retried.
      - If not set, the value of the E(TWILIO_MAX_RETRIES) environment variable is used.
    type: int
    default: 5
  max_retry_time:
    description:
      - The most seconds spent waiting between retries of one request; a retry that would pass it fails instead.
      - If not set, the value of the E(TWILIO_MAX_RETRY_TIME) environment variable is used.
    type: float
    default: 60
requirements:
  - requests
notes:
  - >-
    Tasks using these modules talk to Twilio's API and run on the controller: use C(delegate_to: localhost), or a
    play on C(localhost) with C(ansible_python_interpreter: "{{ ansible_playbook_python }}").
  - >-
    Every module of the collection is in the action group C(simfleet.twilio.twilio), so
    C(module_defaults: {group/simfleet.twilio.twilio: {...}}) sets the connection options once for a play.
"""

    PLUGINS = r"""
options:
  account_sid:
    description:
      - The Twilio Account SID (C(AC...)) that owns the resources. Required, also with an API key.
    type: str
    env:
      - name: TWILIO_ACCOUNT_SID
  auth_token:
    description:
      - The Auth Token of O(account_sid). Required unless O(api_key) and O(api_secret) are set.
    type: str
    env:
      - name: TWILIO_AUTH_TOKEN
  api_key:
    description:
      - The SID of a Twilio API key (C(SK...)) of the account, used with O(api_secret) instead of O(auth_token).
    type: str
    env:
      - name: TWILIO_API_KEY
  api_secret:
    description:
      - The secret of O(api_key).
    type: str
    env:
      - name: TWILIO_API_SECRET
  base_url:
    description:
      - The root URL of Twilio's APIs. C({product}) is replaced by C(wireless) or C(supersim) for each request;
        a URL without that placeholder is used as given, for example a proxy or a local Twilio simulator.
      - Only C(http) and C(https) URLs are accepted. Paging never follows a link to another scheme, host or port.
    type: str
    default: https://{product}.twilio.com
    env:
      - name: TWILIO_BASE_URL
  timeout:
    description:
      - Seconds to wait for Twilio to connect and to answer each request.
    type: float
    default: 30
    env:
      - name: TWILIO_TIMEOUT
  validate_certs:
    description:
      - Whether to verify Twilio's TLS certificate. Only turn this off for a test server you trust.
    type: bool
    default: true
    env:
      - name: TWILIO_VALIDATE_CERTS
  max_retries:
    description:
      - How many times a request is retried after HTTP 429 or a server error (5xx but 501 and 505), a timeout, a lost connection or a
        truncated body. Retries back off exponentially with jitter and honour C(Retry-After).
      - Other HTTP errors, such as 401 or 404, are never retried.
    type: int
    default: 5
    env:
      - name: TWILIO_MAX_RETRIES
  max_retry_time:
    description:
      - The most seconds spent waiting between retries of one request; a retry that would pass it fails instead.
    type: float
    default: 60
    env:
      - name: TWILIO_MAX_RETRY_TIME
requirements:
  - requests
"""

    INFO = r"""
options:
  sid:
    description:
      - Fetch only the record with this SID, instead of listing.
      - Returns an empty list when Twilio has no such record (HTTP 404).
      - Cannot be combined with the list filters.
    type: str
  page_size:
    description:
      - How many records to ask for per page, between 1 and 1000. The default, the largest Twilio allows, needs
        the fewest requests.
    type: int
    default: 1000
  limit:
    description:
      - Return at most this many records, asking Twilio for no more pages than needed. By default every record
        is returned.
    type: int
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads from Twilio, so it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed when in diff mode.
    support: N/A
    details: The module only reads from Twilio.
  action_group:
    description: Action is part of action_group(s), for convenient setting of module_defaults.
    support: full
    membership:
      - simfleet.twilio.twilio
"""

    COMMANDS = r"""
options:
  created_after:
    description:
      - Only commands created at or after this time, an ISO 8601 timestamp such as V(2026-11-01T00:00:00Z) (UTC when
        no zone is given).
      - Twilio has no such filter, but lists commands newest first, so paging stops at the first older command;
        a recent window costs a few requests however long the account's history is.
      - Cannot be combined with O(sid).
    type: str
"""
