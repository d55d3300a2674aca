# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module wrapper every module runs in, and the body of every info module.

SimfleetModule owns once what every module does the same way: the connection options (with their environment
variables), the check that requests is installed, refusing bad input before any request, the client, check mode and
diff in the result, redaction of secret fields, and turning a TwilioError into a failure with its cause and code.
The info modules (run_info_module), the state and command modules (_state.py) and sim_batch (_batch.py) all run in it.

Private to the collection: its interface may change between releases.
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.simfleet.twilio.plugins.module_utils._client import (
    CONNECTION_OPTIONS,
    HAS_REQUESTS,
    MAX_PAGE_SIZE,
    REQUESTS_IMPORT_ERROR,
    TwilioError,
    client_from_options,
    connection_problems,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    created_before,
    identifier_problem,
    matches,
    parse_timestamp,
    query_params,
    redact,
    utc_now,
    validate_filters,
)


def connection_argument_spec():
    spec = {}
    for name, option in CONNECTION_OPTIONS.items():
        spec[name] = dict(option.spec, fallback=(env_fallback, [option.env]))
    return spec


class SimfleetModule:
    """An AnsibleModule with the collection's connection options, and what every module does with them.

    argument_spec: the module's own options (the connection options are added); other keyword arguments go to
    AnsibleModule. Every module supports check mode: what writes decides with ``check_mode``.
    """

    def __init__(self, argument_spec, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff

    def refuse(self, problems):
        """Fail before any request when the options have problems; the connection options are always checked."""
        problems = [p for p in connection_problems(self.params) + list(problems) if p]
        if problems:
            self.module.fail_json(msg="; ".join(problems))

    def client(self, client_class=None, **extra):
        """A client (a context manager) from the connection options; see client_from_options."""
        return client_from_options(self.params, client_class, **extra)

    def shown(self, endpoint, records):
        """The records as the result shows them: the endpoint's secret fields redacted unless reveal_secrets is set."""
        if not self.params.get("reveal_secrets"):
            redact(endpoint, records)
        return records

    def exit(self, result, diff=None):
        """Succeed with ``result``; ``diff`` is added in diff mode."""
        if diff is not None and self.diff_mode:
            result["diff"] = diff
        self.module.exit_json(**result)

    def fail(self, err, **result):
        """Fail with a TwilioError (its message, and its cause and code under ``error``) or a message."""
        if isinstance(err, TwilioError):
            self.module.fail_json(msg=str(err), error=err.to_dict(), **result)
        self.module.fail_json(msg=str(err), **result)


def parent_options(endpoint):
    """The options naming an info module's parent records: (option, required) pairs. The endpoint's own parents
    are required; those of its per-parent endpoint (usage of one SIM) narrow the listing when set."""
    options = [(parent, True) for parent in endpoint.parents]
    if endpoint.per_parent:
        options += [(parent, False) for parent in ENDPOINTS[endpoint.per_parent].parents]
    return options


def info_argument_spec(endpoint):
    """The info module's own options (SimfleetModule adds the connection options)."""
    spec = dict(
        page_size=dict(type="int", default=MAX_PAGE_SIZE),
        limit=dict(type="int"),
    )
    if endpoint.fetchable:
        spec["sid"] = dict(type="str")
    for option, required in parent_options(endpoint):
        spec[option] = dict(type="str", required=required)
    for expansion in endpoint.expansions:
        spec[expansion.option] = dict(type="bool", default=False)
    for f in endpoint.filters:
        spec[f.option] = dict(type="str", choices=list(f.choices)) if f.choices else dict(type="str")
        if f.removed_in_version:
            spec[f.option].update(removed_in_version=f.removed_in_version, removed_from_collection="simfleet.twilio")
    if endpoint.secret_fields:
        spec["reveal_secrets"] = dict(type="bool", default=False)
    if endpoint.newest_first:
        spec["created_after"] = dict(type="str")
    return spec


def _request_problems(endpoint, params, now):
    problems = []
    if not 1 <= params["page_size"] <= MAX_PAGE_SIZE:
        problems.append("page_size must be between 1 and %d, got %d" % (MAX_PAGE_SIZE, params["page_size"]))
    if params["limit"] is not None and params["limit"] < 1:
        problems.append("limit must be 1 or more, got %d" % params["limit"])
    for option, dummy in parent_options(endpoint):
        if params[option] is not None and identifier_problem(option, params[option]):
            problems.append(identifier_problem(option, params[option]))
    sid = params.get("sid")
    if sid is not None:
        if not endpoint.fetch_by_unique_name and not matches(endpoint.sid_pattern, sid):
            problems.append("sid must match %s, got %r" % (endpoint.sid_pattern, sid))
        elif identifier_problem("sid", sid):
            problems.append(identifier_problem("sid", sid))
        set_filters = [f.option for f in endpoint.filters if params.get(f.option) is not None]
        if params.get("created_after") is not None:
            set_filters.append("created_after")
        if set_filters:
            problems.append("sid fetches one record and cannot be combined with %s" % ", ".join(set_filters))
    if params.get("created_after") is not None and parse_timestamp(params["created_after"]) is None:
        problems.append("created_after must be an ISO 8601 timestamp such as 2026-11-01T00:00:00Z, got %r" % params["created_after"])
    return problems + validate_filters(endpoint, params, now)


def _listed_endpoint(endpoint, params):
    """The endpoint to list and its parents: the per-parent endpoint when its parent options are set."""
    narrow = ENDPOINTS[endpoint.per_parent] if endpoint.per_parent else None
    if narrow is not None and any(params[parent] is not None for parent in narrow.parents):
        endpoint = narrow
    return endpoint, dict((parent, params[parent]) for parent in endpoint.parents)


def _expand(client, endpoint, records, params):
    """Add each requested sub-resource listing to every record (one listing per record)."""
    for expansion in endpoint.expansions:
        if params[expansion.option]:
            members = ENDPOINTS[expansion.endpoint]
            for record in records:
                record[expansion.option] = client.list_records(members, parents={expansion.parent: record["sid"]})


def run_info_module(endpoint_name):
    """main() of every info module: validate, list or fetch, redact secrets, exit."""
    endpoint = ENDPOINTS[endpoint_name]
    module = SimfleetModule(info_argument_spec(endpoint))
    params = module.params
    now = utc_now()
    module.refuse(_request_problems(endpoint, params, now))
    try:
        with module.client() as client:
            if params.get("sid") is not None:
                record = client.fetch(endpoint, params["sid"])
                records = [record] if record is not None else []
            else:
                listed, parents = _listed_endpoint(endpoint, params)
                bound = params.get("created_after")
                records = client.list_records(listed, params=query_params(listed, params, now), parents=parents,
                                              page_size=params["page_size"], limit=params["limit"],
                                              stop_at=created_before(parse_timestamp(bound)) if bound else None)
            _expand(client, endpoint, records, params)
    except TwilioError as err:
        module.fail(err)
    module.exit({"changed": False, endpoint.key: module.shown(endpoint, records)})
