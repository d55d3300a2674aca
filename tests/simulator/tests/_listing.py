# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Raw listings of the simulator, for the tests of the simulator itself (no collection code involved)."""

import requests


def list_all(sim, path, params=None, auth=None, session=None, timeout=60):
    """Every record of a listing, following next_page_url from the first page: (records, pages). ``session`` (with
    its own credentials) or ``auth`` (a user and password) default to the simulator's main account."""
    session = session or requests.Session()
    session.auth = session.auth or auth or (sim.account_sid, sim.auth_token)
    response = session.get(sim.base_url + path, params=params, timeout=timeout)
    records, pages = [], 0
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        records += body[body["meta"]["key"]]
        pages += 1
        if not body["meta"]["next_page_url"]:
            return records, pages
        response = session.get(body["meta"]["next_page_url"], timeout=timeout)
