"""The served data: per account, per resource, records sorted newest first and pre-serialised once.

A `Table` serialises each record's JSON text once (on first use) and keeps it, so a page is one string
join; filter indexes (field value -> ascending positions) are built on first use. Positions are indexes
into the newest-first order, so every filtered selection stays ordered and pages are slices. Records served
under an alias prefix (KORE's `/programmable-wireless` for `/wireless`) are rewritten once and kept as well.
"""
import json
import threading
from bisect import bisect_left, bisect_right

from .resources import IP_ADDRESS_FIELDS, RESOURCES, links_for

ENCODE = json.JSONEncoder(check_circular=False).encode


class Table:
    """The records of one resource for one account."""

    def __init__(self, resource, records, hidden, base_url):
        self.resource = resource
        ordered = sorted(records, key=lambda record: record["sid"])
        ordered.sort(key=lambda record: record["date_created"] or "", reverse=True)
        self.records = [serve(resource, record, base_url) for record in ordered]
        self.jsons = [None] * len(self.records)
        self.sids = [record["sid"] for record in self.records]
        self.position = {sid: index for index, sid in enumerate(self.sids)}
        self.unique_names = {}
        if resource.by_unique_name:
            self.unique_names = {r["unique_name"]: i for i, r in enumerate(self.records) if r["unique_name"] is not None}
        self.hidden = hidden
        self._indexes = {}
        self._rewritten = {}
        self._lock = threading.Lock()

    def __len__(self):
        return len(self.records)

    def find(self, ident):
        """Position of the record whose SID (or unique name, where the resource has them) is `ident`."""
        position = self.position.get(ident)
        if position is None:
            position = self.unique_names.get(ident)
        return position

    def index(self, flt):
        """`{value: [positions]}` for filter `flt`, built once."""
        with self._lock:
            index = self._indexes.get(flt.field)
            if index is None:
                index = {}
                for position, record in enumerate(self.records):
                    source = self.hidden.get(record["sid"], {}) if flt.hidden else record
                    index.setdefault(source.get(flt.field), []).append(position)
                self._indexes[flt.field] = index
            return index

    def select(self, criteria):
        """Ascending positions of the records matching every `(filter, value)` pair."""
        if not criteria:
            return range(len(self.records))
        lists = sorted((self.index(flt).get(value, []) for flt, value in criteria), key=len)
        selected = lists[0]
        for other in lists[1:]:
            members = set(other)
            selected = [position for position in selected if position in members]
        return selected

    def json_of(self, position):
        """The record's JSON text, serialised on first use and kept."""
        text = self.jsons[position]
        if text is None:
            text = self.jsons[position] = ENCODE(self.records[position])
        return text

    def json_getter(self, rewrite=None):
        """`json_of`, or for an alias path prefix (`rewrite`: (old URL prefix, new)) a function giving the
        record's JSON with its URLs rewritten, also made once per record and kept."""
        if not rewrite:
            return self.json_of
        with self._lock:
            cache = self._rewritten.get(rewrite)
            if cache is None:
                cache = self._rewritten[rewrite] = [None] * len(self.records)
        records, jsons = self.records, self.jsons

        def rewritten(position):
            text = cache[position]
            if text is None:
                text = cache[position] = (jsons[position] or ENCODE(records[position])).replace(*rewrite)
            return text
        return rewritten


class MiniTable:
    """A small list without SIDs (a Super SIM's IP addresses): position strings act as SIDs."""

    def __init__(self, records):
        self.records = [{field: record.get(field) for field in IP_ADDRESS_FIELDS} for record in records]
        self.jsons = [json.dumps(record) for record in self.records]
        self.json_of = self.jsons.__getitem__
        self.sids = [str(index) for index in range(len(self.records))]
        self.position = {sid: index for index, sid in enumerate(self.sids)}

    def select(self, criteria):
        return range(len(self.records))


def serve(resource, record, base_url):
    """Make a fleet record the record as served: set its absolute `url` and `links` (in place)."""
    record["url"] = f"{resource.collection_url(base_url)}/{record['sid']}"
    if "links" in record:
        record["links"] = links_for(resource, record, base_url)
    return record


class Page:
    """One page of a selection: `start`/`end` positions into `selection`, rendered by `body()`."""

    def __init__(self, table, selection, start, page_size):
        self.table = table
        self.selection = selection
        self.start = max(0, min(start, len(selection)))
        self.end = min(self.start + page_size, len(selection))

    @property
    def first_sid(self):
        return self.table.sids[self.selection[self.start]] if self.end > self.start else None

    @property
    def last_sid(self):
        return self.table.sids[self.selection[self.end - 1]] if self.end > self.start else None

    @property
    def has_next(self):
        return self.end < len(self.selection)

    @property
    def has_previous(self):
        return self.start > 0

    def body(self, key, meta, json_of=None):
        """The page's JSON text; `json_of` (default: the table's) gives a record's JSON by position."""
        items = ", ".join(map(json_of or self.table.json_of, self.selection[self.start:self.end]))
        return f'{{"{key}": [{items}], "meta": {json.dumps(meta)}}}'


def locate(table, selection, token, page_size):
    """Start offset in `selection` for a PageToken: `PA<sid>` pages after that record, `PB<sid>` before it.

    Returns None for a token that names no record of the table."""
    if not token:
        return 0
    direction, sid = token[:2], token[2:]
    position = table.position.get(sid)
    if position is None or direction not in ("PA", "PB"):
        return None
    if direction == "PA":
        return bisect_right(selection, position)
    return max(0, bisect_left(selection, position) - page_size)


class Store:
    """Every account's tables, built from `{account_sid: AccountData}`."""

    def __init__(self, accounts, base_url):
        self.base_url = base_url
        self.accounts = {}
        for account_sid, data in accounts.items():
            self.accounts[account_sid] = {
                resource.name: Table(resource, data.records[resource.name], data.hidden[resource.name], base_url)
                for resource in RESOURCES
            }

    def tables(self, account_sid):
        """The account's tables, or an empty set of tables for an account without data."""
        tables = self.accounts.get(account_sid)
        if tables is None:
            tables = {resource.name: Table(resource, [], {}, self.base_url) for resource in RESOURCES}
            self.accounts[account_sid] = tables
        return tables

    def truth(self, account_sid):
        """The account's records as served, newest first, plus the hidden fields used by filters."""
        tables = self.tables(account_sid)
        truth = {name: list(table.records) for name, table in tables.items()}
        truth.update(self._hidden_truth(tables))
        return truth

    def truth_json(self, account_sid, wireless_prefix=None):
        """`truth()` as JSON text, joined from the pre-serialised records; with `wireless_prefix` (e.g.
        "programmable-wireless") the URLs are those served under that alias of /wireless."""
        tables = self.tables(account_sid)
        parts = [f'"{name}": [{", ".join(map(table.json_of, range(len(table))))}]' for name, table in tables.items()]
        parts += [f"{json.dumps(name)}: {json.dumps(value)}" for name, value in self._hidden_truth(tables).items()]
        text = "{" + ", ".join(parts) + "}"
        if wireless_prefix:
            text = text.replace(f"{self.base_url}/wireless/", f"{self.base_url}/{wireless_prefix}/")
        return text

    @staticmethod
    def _hidden_truth(tables):
        sims = tables["supersim_sims"]
        wireless = tables["wireless_sims"]
        return {
            "ip_addresses": {sid: sims.hidden.get(sid, {}).get("ip_addresses", []) for sid in sims.sids},
            "registration_codes": {sid: wireless.hidden.get(sid, {}).get("registration_code") for sid in wireless.sids},
        }
