# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """Connection options shared by every module (MODULES) and by the plugins, which also document env (PLUGINS)."""

    MODULES = r"""
options:
  platform:
    description:
      - Where the SIMs live. V(twilio) reaches Twilio's APIs with an Account SID and an Auth Token or API key; V(kore)
        reaches KORE Wireless, where Twilio's IoT accounts moved, with the OAuth 2.0 client credentials of a KORE API
        client (O(client_id) and O(client_secret)). Both serve the same resources, filters and paging.
      - When not set, V(kore) if O(client_id) is set and V(twilio) otherwise. Credentials of both platforms at once are
        refused.
      - If not set, the value of the E(TWILIO_PLATFORM) environment variable is used.
    type: str
    choices: [kore, twilio]
  account_sid:
    description:
      - The Twilio Account SID (C(AC...)) that owns the resources.
      - Required on Twilio, also when authenticating with an API key. Not needed on KORE, where the API client
        belongs to the account.
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
  client_id:
    description:
      - The client ID of a KORE API client, used with O(client_secret) on KORE.
      - If not set, the value of the E(KORE_CLIENT_ID) environment variable is used.
    type: str
  client_secret:
    description:
      - The secret of the KORE API client O(client_id). It is sent only to O(token_url), to obtain an access token;
        API requests carry that token, and only to the API's own host.
      - If not set, the value of the E(KORE_CLIENT_SECRET) environment variable is used.
    type: str
  token_url:
    description:
      - KORE's OAuth 2.0 token endpoint. One token is requested per run, shared by every request, renewed shortly
        before it expires and once when the API refuses it.
      - If not set, the value of the E(KORE_TOKEN_URL) environment variable is used.
    type: str
    default: https://api.korewireless.com/api-services/v1/auth/token
  base_url:
    description:
      - The root URL of the APIs. C({product}) is replaced by the host label of each product in each request,
        C(wireless) or C(supersim) on Twilio, C(programmable-wireless) or C(supersim) on KORE. A URL without that
        placeholder is used as given, for example a proxy or a local simulator, except on Twilio's or KORE's own
        domains, where each product has its own host, and there it is refused before any request. A 404 that is not
        the API's own answer is reported as a C(base_url) that may be wrong.
      - The default is C(https://{product}.twilio.com) on Twilio and C(https://{product}.api.korewireless.com) on KORE.
      - Only C(http) and C(https) URLs without a query string or fragment are accepted. Paging and redirects never
        follow a link to another scheme, host or port.
      - If not set, the value of the E(TWILIO_BASE_URL) environment variable is used.
    type: str
  timeout:
    description:
      - Seconds that one request may take as a whole, from connecting to the last byte of the answer; a server
        that answers slowly, a byte at a time, is cut off too. Between 0 and 3600, 0 excluded.
      - If not set, the value of the E(TWILIO_TIMEOUT) environment variable is used.
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify the TLS certificates of the API and of the token endpoint. Only turn this off for a test
        server you trust. V(false) holds also when E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) is set.
      - If not set, the value of the E(TWILIO_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  max_retries:
    description:
      - How many times a request is retried after HTTP 429 or a server error (5xx but 501 and 505), a timeout, a lost connection or a
        truncated body. Retries back off exponentially with jitter and honour C(Retry-After). Between 0 and 100.
      - Other HTTP errors, such as 401 or 404, and TLS certificate failures are never retried.
      - If not set, the value of the E(TWILIO_MAX_RETRIES) environment variable is used.
    type: int
    default: 5
  max_retry_time:
    description:
      - The most seconds spent waiting between retries of one request; a retry that would pass it fails instead.
        Between 0 and 86400.
      - If not set, the value of the E(TWILIO_MAX_RETRY_TIME) environment variable is used.
    type: float
    default: 60
requirements:
  - requests
notes:
  - >-
    Lists are complete or the task fails: pages are followed through C(meta.next_page_url) until it is null, and
    paging that does not end (a page URL seen before, a page that adds no new record but names a next one, or more
    than 100,000 pages) fails with an error, as does any page that is not a well-formed list page.
  - >-
    Tasks using these modules talk to Twilio's API and run on the controller: use C(delegate_to: localhost), or a
    play on C(localhost) with C(ansible_python_interpreter: "{{ ansible_playbook_python }}").
  - >-
    Every module of the collection is in the action group C(simfleet.twilio.twilio), so
    C(module_defaults: {group/simfleet.twilio.twilio: {...}}) sets the connection options once for a play.
"""

    PLUGINS = r"""
options:
  platform:
    description:
      - Where the SIMs live. V(twilio) reaches Twilio's APIs with an Account SID and an Auth Token or API key; V(kore)
        reaches KORE Wireless, where Twilio's IoT accounts moved, with the OAuth 2.0 client credentials of a KORE API
        client (O(client_id) and O(client_secret)). Both serve the same resources, filters and paging.
      - When not set, V(kore) if O(client_id) is set and V(twilio) otherwise. Credentials of both platforms at once are
        refused.
    type: str
    choices: [kore, twilio]
    env:
      - name: TWILIO_PLATFORM
  account_sid:
    description:
      - The Twilio Account SID (C(AC...)) that owns the resources. Required on Twilio, also with an API key; not needed
        on KORE, where the API client belongs to the account.
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
  client_id:
    description:
      - The client ID of a KORE API client, used with O(client_secret) on KORE.
    type: str
    env:
      - name: KORE_CLIENT_ID
  client_secret:
    description:
      - The secret of the KORE API client O(client_id). It is sent only to O(token_url), to obtain an access token;
        API requests carry that token, and only to the API's own host.
    type: str
    env:
      - name: KORE_CLIENT_SECRET
  token_url:
    description:
      - KORE's OAuth 2.0 token endpoint. One token is requested per run, shared by every request, renewed shortly
        before it expires and once when the API refuses it.
    type: str
    default: https://api.korewireless.com/api-services/v1/auth/token
    env:
      - name: KORE_TOKEN_URL
  base_url:
    description:
      - The root URL of the APIs. C({product}) is replaced by the host label of each product in each request,
        C(wireless) or C(supersim) on Twilio, C(programmable-wireless) or C(supersim) on KORE. A URL without that
        placeholder is used as given, for example a proxy or a local simulator, except on Twilio's or KORE's own
        domains, where each product has its own host, and there it is refused before any request. A 404 that is not
        the API's own answer is reported as a C(base_url) that may be wrong.
      - The default is C(https://{product}.twilio.com) on Twilio and C(https://{product}.api.korewireless.com) on KORE.
      - Only C(http) and C(https) URLs without a query string or fragment are accepted. Paging and redirects never
        follow a link to another scheme, host or port.
    type: str
    env:
      - name: TWILIO_BASE_URL
  timeout:
    description:
      - Seconds that one request may take as a whole, from connecting to the last byte of the answer; a server
        that answers slowly, a byte at a time, is cut off too. Between 0 and 3600, 0 excluded.
    type: float
    default: 30
    env:
      - name: TWILIO_TIMEOUT
  validate_certs:
    description:
      - Whether to verify the TLS certificates of the API and of the token endpoint. Only turn this off for a test
        server you trust. V(false) holds also when E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) is set.
    type: bool
    default: true
    env:
      - name: TWILIO_VALIDATE_CERTS
  max_retries:
    description:
      - How many times a request is retried after HTTP 429 or a server error (5xx but 501 and 505), a timeout, a lost connection or a
        truncated body. Retries back off exponentially with jitter and honour C(Retry-After). Between 0 and 100.
      - Other HTTP errors, such as 401 or 404, and TLS certificate failures are never retried.
    type: int
    default: 5
    env:
      - name: TWILIO_MAX_RETRIES
  max_retry_time:
    description:
      - The most seconds spent waiting between retries of one request; a retry that would pass it fails instead.
        Between 0 and 86400.
    type: float
    default: 60
    env:
      - name: TWILIO_MAX_RETRY_TIME
requirements:
  - requests
"""

    FETCH = r"""
options:
  sid:
    description:
      - Fetch only the record with this SID, instead of listing. Blank values, values with surrounding white space or
        control characters, and path tokens (V(.), V(..), a V(/)) are refused before any request.
      - Returns an empty list when Twilio has no such record (HTTP 404).
      - Cannot be combined with the list filters.
    type: str
"""

    INFO = r"""
options:
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

    STATE = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the current record and reports what would change; sends no write.
  diff_mode:
    description: Will return details on what has changed when in diff mode.
    support: full
    details: The C(diff) shows before and after of exactly the fields that change.
  action_group:
    description: Action is part of action_group(s), for convenient setting of module_defaults.
    support: full
    membership:
      - simfleet.twilio.twilio
notes:
  - >-
    Only the options that are set are compared and written; a second identical run reports no change and sends no
    write. Rate plans, fleets, SIMs and profiles given by unique name are resolved to their SIDs before comparing.
  - >-
    Field updates set absolute values, so they are retried after a 429, a server error or a timeout like reads.
  - >-
    A change made of several requests (the values, then an action such as a connectivity reset; the members of a
    network access profile one by one) that fails after an earlier request succeeded fails with C(changed=true), the
    record as last written and C(applied), the options that were applied.
"""

    WAIT = r"""
options:
  wait:
    description:
      - Wait until the change has settled (a SIM leaves a transitional status such as C(updating) or C(scheduled), a
        command reaches a final status), polling once a second.
      - Without it the module returns at once, with the status Twilio answered.
      - >-
        The module fails, naming the status, when a SIM settles in another status than the one asked for, and when a
        command ends V(failed) or V(undelivered); it then reports C(changed=true) and the record as it ended.
    type: bool
    default: false
  wait_timeout:
    description:
      - >-
        Seconds to wait with O(wait), between 1 and 3600, for the whole run (a change already under way, then the
        change made). The module fails when the record has not settled by then.
    type: int
    default: 120
"""

    ACCOUNT_MOVE = r"""
options:
  move_to_account:
    description:
      - >-
        The SID (C(AC...)) of the account the SIM should be moved to: the account of the credentials or one of its
        subaccounts. A SIM already there is left as it is.
      - >-
        Twilio moves only a SIM whose status is C(new): the module refuses, before any write, to move one in another
        status, and O(status) cannot be set with it.
      - >-
        After the move the credentials used no longer see the SIM. A later run with them does not find it and fails,
        saying that it may have been moved already: manage it with the credentials of the account it was moved to.
      - Needs O(confirm_account_move=true).
    type: str
    version_added: 2.1.0
  confirm_account_move:
    description:
      - >-
        Must be V(true) for O(move_to_account): once moved, the SIM can be seen and changed only with the other
        account's credentials. Without it, O(move_to_account) is refused before any request, naming this option.
    type: bool
    version_added: 2.1.0
    default: false
"""

    COMMAND = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: >-
      Sends nothing. Reads the SIM and fails, as Twilio would, when it cannot receive the command; otherwise reports
      C(changed=true) and the command that would be sent.
  diff_mode:
    description: Will return details on what has changed when in diff mode.
    support: full
    details: The C(diff) shows the command that is (or would be) sent.
  action_group:
    description: Action is part of action_group(s), for convenient setting of module_defaults.
    support: full
    membership:
      - simfleet.twilio.twilio
notes:
  - >-
    Every run sends a new command: this module is not idempotent, as sending a command is an event, not a state.
  - >-
    A command is sent once. It is retried only when Twilio cannot have received it (HTTP 429, or no connection made);
    after a server error or a timeout the module fails and says the command may have been sent, so that it is never
    delivered twice. Look for it with the matching info module, filtered by SIM, before sending it again.
options:
  callback_url:
    description:
      - The URL Twilio calls when the command's status changes.
    type: str
  callback_method:
    description:
      - The HTTP method for O(callback_url).
    type: str
    choices: [GET, POST]
"""
