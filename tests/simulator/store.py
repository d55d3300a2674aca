"""The served data: per account, per resource, records sorted newest first and pre-serialised once.

A `Table` serialises each record's JSON text once (on first use) and keeps it, so a page is one string
join; filter indexes (field value -> ascending positions) are built on first use. Positions are indexes
into the newest-first order, so every filtered selection stays ordered and pages are slices. Records served
under an alias prefix (KORE's `/programmable-wireless` for `/wireless`) are rewritten once and kept as well.

Writes (`writes.py`, under `Store.lock`): an update replaces one record (a new dict; its JSON, alias
rewrites and index entries are refreshed at once, index lists copied on write); a create or delete builds a
new `Table` and swaps it in, so a request that already holds a table keeps a consistent snapshot and the
read path never takes a lock once a record's JSON is cached.
"""
import json
import threading
from bisect import bisect_left, bisect_right, insort

from .resources import BY_NAME, IP_ADDRESS_FIELDS, TABLE_RESOURCES, Filter, links_for
from .usage import billing_periods, data_sessions, profile_truth

ENCODE = json.JSONEncoder(check_circular=False).encode


class Table:
    """The records of one resource for one account."""

    def __init__(self, resource, records, hidden, base_url):
        ordered = sorted(records, key=lambda record: record["sid"])
        ordered.sort(key=lambda record: record.get("date_created") or "", reverse=True)
        self._setup(resource, [serve(resource, record, base_url) for record in ordered], None, hidden)

    @classmethod
    def of(cls, resource, records, jsons, hidden):
        """A table of records already served and ordered (`jsons`: their cached JSON texts or None)."""
        table = cls.__new__(cls)
        table._setup(resource, records, jsons, hidden)
        return table

    def _setup(self, resource, records, jsons, hidden):
        self.resource = resource
        self.records = records
        self.jsons = jsons if jsons is not None else [None] * len(records)
        self.sids = [record["sid"] for record in records]
        self.position = {sid: index for index, sid in enumerate(self.sids)}
        self.unique_names = {}
        if resource.by_unique_name:
            self.unique_names = {r["unique_name"]: i for i, r in enumerate(records) if r["unique_name"] is not None}
        self.hidden = hidden
        self._indexes = {}
        self._rewritten = {}
        self._lock = threading.RLock()

    def __len__(self):
        return len(self.records)

    def find(self, ident):
        """Position of the record whose SID (or unique name, where the resource has them) is `ident`."""
        position = self.position.get(ident)
        if position is None:
            position = self.unique_names.get(ident)
        return position

    def record(self, ident):
        """The record whose SID or unique name is `ident`, or None."""
        position = self.find(ident)
        return None if position is None else self.records[position]

    def index(self, flt):
        """`{value: [positions]}` for filter `flt`, built once."""
        with self._lock:
            entry = self._indexes.get(flt.field)
            if entry is None:
                index = {}
                if flt.multi:
                    for position, record in enumerate(self.records):
                        for value in self._values(flt, record):
                            index.setdefault(value, []).append(position)
                else:
                    for position, record in enumerate(self.records):
                        source = self.hidden.get(record["sid"], {}) if flt.hidden else record
                        index.setdefault(source.get(flt.field), []).append(position)
                entry = self._indexes[flt.field] = (flt, index)
            return entry[1]

    def _values(self, flt, record):
        source = self.hidden.get(record["sid"], {}) if flt.hidden else record
        value = source.get(flt.field)
        return (value or ()) if flt.multi else (value,)

    def where(self, field, value):
        """Ascending positions of the records whose `field` is `value`."""
        flt = next((f for f in self.resource.filters if f.field == field), None) or Filter(field, field)
        return self.index(flt).get(value, [])

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
        """The record's JSON text, serialised on first use and kept. Lock-free: a fill that raced with a
        `replace()` of the record (which sets the record, then its JSON) is dropped, never kept stale."""
        text = self.jsons[position]
        if text is None:
            record = self.records[position]
            text = self.jsons[position] = ENCODE(record)
            if self.records[position] is not record:
                self.jsons[position] = None
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
        json_of, jsons = self.json_of, self.jsons

        def rewritten(position):
            text = cache[position]
            if text is None:
                source = json_of(position)
                text = cache[position] = source.replace(*rewrite)
                if jsons[position] is not source:
                    cache[position] = None
            return text
        return rewritten

    # Writes (the caller holds Store.lock)

    def replace(self, position, record):
        """Serve `record` (a new dict) in place of the record at `position`; its JSON, alias rewrites,
        unique name and index entries change at once (the record first: see `json_of`)."""
        with self._lock:
            old = self.records[position]
            self.records[position] = record
            text = self.jsons[position] = ENCODE(record)
            for rewrite, cache in self._rewritten.items():
                cache[position] = text.replace(*rewrite)
            if self.resource.by_unique_name and old["unique_name"] != record["unique_name"]:
                if self.unique_names.get(old["unique_name"]) == position:
                    del self.unique_names[old["unique_name"]]
                if record["unique_name"] is not None:
                    self.unique_names[record["unique_name"]] = position
            for flt, index in self._indexes.values():
                if not flt.hidden:
                    self._reindex(index, position, set(self._values(flt, old)), set(self._values(flt, record)))

    @staticmethod
    def _reindex(index, position, before, after):
        """Move `position` between the value lists of `index`, copying the lists it changes."""
        for value in before - after:
            positions = list(index.get(value, ()))
            at = bisect_left(positions, position)
            if at < len(positions) and positions[at] == position:
                del positions[at]
            index[value] = positions
        for value in after - before:
            positions = list(index.get(value, ()))
            insort(positions, position)
            index[value] = positions

    def with_first(self, record):
        """A new table with `record` (already served) first: the newest, as a created record is. Built from this one
        without a pass of Python code per record (a registration of thousands of SIMs creates one table each)."""
        table = Table.__new__(Table)
        table.resource, table.hidden = self.resource, self.hidden
        table.records = [record] + self.records
        table.jsons = [ENCODE(record)] + self.jsons
        table.sids = [record["sid"]] + self.sids
        table.position = dict(zip(table.sids, range(len(table.sids))))
        table.unique_names = {}
        if self.resource.by_unique_name:
            table.unique_names = dict(zip(self.unique_names, map((1).__add__, self.unique_names.values())))
            if record["unique_name"] is not None:
                table.unique_names[record["unique_name"]] = 0
        table._indexes, table._rewritten, table._lock = {}, {}, threading.RLock()
        return table

    def with_record(self, record):
        """A new table with `record` (already served) at its place in the newest-first order (a record moved in from
        another account keeps its creation date)."""
        key = (record.get("date_created") or "", record["sid"])
        at = 0
        while at < len(self.records) and ((self.records[at].get("date_created") or "") > key[0] or (
                (self.records[at].get("date_created") or "") == key[0] and self.records[at]["sid"] < key[1])):
            at += 1
        return Table.of(self.resource, self.records[:at] + [record] + self.records[at:],
                        self.jsons[:at] + [ENCODE(record)] + self.jsons[at:], self.hidden)

    def without(self, position):
        """A new table without the record at `position`."""
        keep = slice(None, position), slice(position + 1, None)
        return Table.of(self.resource, self.records[keep[0]] + self.records[keep[1]],
                        self.jsons[keep[0]] + self.jsons[keep[1]], self.hidden)


class MiniTable:
    """A small list built per request (a Super SIM's IP addresses, a profile's networks): `sids` are the
    records' SIDs, or their positions as strings for records without one."""

    def __init__(self, records, fields=IP_ADDRESS_FIELDS, sids=None):
        self.records = [{field: record.get(field) for field in fields} for record in records]
        self.jsons = [json.dumps(record) for record in self.records]
        self.json_of = self.jsons.__getitem__
        self.sids = list(sids) if sids is not None else [str(index) for index in range(len(self.records))]
        self.position = {sid: index for index, sid in enumerate(self.sids)}

    def select(self, criteria):
        return range(len(self.records))


def serve(resource, record, base_url):
    """Make a fleet record the record as served: set its absolute `url` and `links` (in place)."""
    if "url" in record:
        record["url"] = f"{resource.collection_url(base_url)}/{record['sid']}"
    if "links" in record:
        record["links"] = links_for(resource, record, base_url)
    return record


def members(resource, parent, tables):
    """The member records of a sub-resource (e.g. a Network Access Profile's networks) under the `parent`
    record, as served, in the order they were added."""
    link = resource.parent
    source = tables[link.source]
    base = f"{parent['url']}/{resource.path.rsplit('/', 1)[-1]}"
    records = []
    for sid in tables[link.resource].hidden.get(parent["sid"], {}).get(link.members, ()):
        record = source.record(sid)
        if record is not None:
            member = {field: record.get(field) for field in resource.fields}
            member[link.field] = parent["sid"]
            member["url"] = f"{base}/{sid}"
            records.append(member)
    return records


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


class Truth(dict):
    """The truth dict; keys registered with `later()` are computed on first access (then kept), and all of
    them as soon as the dict is iterated, measured or compared."""

    def __init__(self, *args):
        super().__init__(*args)
        self._later = {}

    def later(self, key, make):
        self._later[key] = make

    def _complete(self):
        for key in list(self._later):
            self[key]

    def __missing__(self, key):
        make = self._later.pop(key, None)
        if make is None:
            raise KeyError(key)
        value = self[key] = make()
        return value

    def __contains__(self, key):
        return super().__contains__(key) or key in self._later

    def get(self, key, default=None):
        return self[key] if key in self else default


def _completing(name):
    method = getattr(dict, name)

    def complete_first(self, *args):
        self._complete()
        return method(self, *args)
    complete_first.__name__ = name
    return complete_first


for _name in ("__iter__", "__len__", "__eq__", "__ne__", "__repr__", "keys", "items", "values", "copy"):
    setattr(Truth, _name, _completing(_name))


class Store:
    """Every account's tables, built from `{account_sid: AccountData}`; `shared` gives the records every
    account sees (`{resource name: Catalogue}`, the Networks catalogue), `unregistered` the Super SIMs any
    account may register (`{iccid: registration code}`).

    Writers hold `lock`; `version` counts the changes (the harness's truth cache checks it)."""

    def __init__(self, accounts, base_url, shared=None, unregistered=None, now=None):
        self.base_url = base_url
        self.now = now
        self._networks = None
        self.lock = threading.RLock()
        self.version = 0
        self.unregistered = dict(unregistered or {})
        self.shared = {name: ([dict(record) for record in catalogue.records], catalogue.hidden)
                       for name, catalogue in (shared or {}).items()}
        self.accounts = {}
        for account_sid, data in accounts.items():
            self.accounts[account_sid] = self._tables(data.records, data.hidden)

    def _tables(self, records, hidden):
        tables = {}
        for resource in TABLE_RESOURCES:
            own_records, own_hidden = self.shared.get(resource.name) or (records.get(resource.name, []),
                                                                         hidden.get(resource.name, {}))
            tables[resource.name] = Table(resource, own_records, own_hidden, self.base_url)
        return tables

    def tables(self, account_sid):
        """The account's tables, or an empty set of tables for an account without data."""
        tables = self.accounts.get(account_sid)
        if tables is None:
            tables = self.accounts[account_sid] = self._tables({}, {})
        return tables

    def put(self, account_sid, table):
        """Serve `table` (a new version of one of the account's tables) from now on."""
        self.tables(account_sid)[table.resource.name] = table
        self.changed()

    def changed(self):
        self.version += 1

    def truth(self, account_sid):
        """The account's records as served, newest first, plus the hidden fields used by filters and the records
        derived from usage profiles (those made on first access: see `Truth`)."""
        tables = self.tables(account_sid)
        truth = Truth({name: list(table.records) for name, table in tables.items()})
        truth.update(self._derived_truth(tables, lazy=truth.later))
        return truth

    def truth_json(self, account_sid, wireless_prefix=None):
        """`truth()` as JSON text, joined from the pre-serialised records; with `wireless_prefix` (e.g.
        "programmable-wireless") the URLs are those served under that alias of /wireless."""
        tables = self.tables(account_sid)
        parts = [f'"{name}": [{", ".join(map(table.json_of, range(len(table))))}]' for name, table in tables.items()]
        parts += [f"{json.dumps(name)}: {json.dumps(value)}" for name, value in self._derived_truth(tables).items()]
        text = "{" + ", ".join(parts) + "}"
        if wireless_prefix:
            text = text.replace(f"{self.base_url}/wireless/", f"{self.base_url}/{wireless_prefix}/")
        return text

    def unregistered_sims(self):
        """The Super SIMs still registrable: [{"iccid", "registration_code"}]."""
        return [{"iccid": iccid, "registration_code": code} for iccid, code in self.unregistered.items()]

    def networks(self):
        """{network SID: record} of the shared catalogue."""
        if self._networks is None:
            self._networks = {record["sid"]: record for record in self.shared.get("networks", ([], {}))[0]}
        return self._networks

    def data_sessions(self, table, record):
        """A Wireless SIM's Data Sessions, newest first."""
        return data_sessions(record, table.hidden.get(record["sid"], {}).get("usage"), self.now, self.networks())

    def billing_periods(self, table, record):
        """A Super SIM's Billing Periods, newest first."""
        return billing_periods(record, table.hidden.get(record["sid"], {}).get("usage"), self.now)

    def _derived_truth(self, tables, lazy=None):
        """The truth's keys that are not tables; with `lazy` (a function taking a key and a function making its
        value), the derived record lists are left to it."""
        sims = tables["supersim_sims"]
        wireless = tables["wireless_sims"]
        lists = {
            "usage": lambda: {sid: profile_truth(table.hidden.get(sid, {}).get("usage"))
                              for table in (wireless, sims) for sid in table.sids},
            "data_sessions": lambda: [session for record in wireless.records
                                      for session in self.data_sessions(wireless, record)],
            "billing_periods": lambda: [period for record in sims.records for period in self.billing_periods(sims, record)],
        }
        derived = {
            "ip_addresses": {sid: sims.hidden.get(sid, {}).get("ip_addresses", []) for sid in sims.sids},
            "registration_codes": {sid: wireless.hidden.get(sid, {}).get("registration_code") for sid in wireless.sids},
            "unregistered_sims": self.unregistered_sims(),
        }
        for key, make in lists.items():
            if lazy is None:
                derived[key] = make()
            else:
                lazy(key, make)
        for resource in BY_NAME.values():
            if resource.parent:
                parents = tables[resource.parent.resource].records
                derived[resource.name] = [member for parent in parents for member in members(resource, parent, tables)]
        return derived
