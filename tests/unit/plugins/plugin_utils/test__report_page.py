# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of the shared report page parts (tables, CSV, trend chart) and of the report vocabulary."""

from __future__ import absolute_import, division, print_function

import csv
import io
import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.plugin_utils import _report_page as rp
from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import SIM_STATUS_ORDER, SIM_STATUSES, in_order
from ansible_collections.simfleet.twilio.plugins.plugin_utils._terms import TERMS, label, term

COLUMNS = ({"key": "sid", "label": "SID", "kind": "sid"}, {"key": "name", "label": "Name"},
           {"key": "total", "label": "Total (MB)", "kind": "mb"}, {"key": "status", "label": "Status", "kind": "tag"},
           {"key": "rules", "label": "Rules", "kind": "list"}, {"key": "after", "label": "After", "kind": "pairs"})


def rows(count):
    return [{"sid": "HS%03d" % n, "name": "n%d" % n, "total": n * 1500000, "status": "active", "rules": ["a", "b"],
             "after": {"status": "inactive"}} for n in range(count)]


class TestTables:
    def test_a_short_table_is_plain(self):
        html = rp.table_html({"id": "t", "columns": COLUMNS, "rows": rows(3)}, page_size=50)
        assert 'class="paged"' not in html and html.count("<tr>") == 4
        assert '<td class="num">3.00</td>' in html and '<span class="tag s-active o-active">active</span>' in html
        assert "<td class=\"list\">a; b</td>" in html and "<td class=\"pairs\">status=inactive</td>" in html

    def test_a_long_table_is_paged_with_every_row(self):
        html = rp.table_html({"id": "t", "columns": COLUMNS, "rows": rows(120)}, page_size=25)
        assert '<table id="t" class="paged" data-page-size="25">' in html
        assert html.count("<tr>") == 121  # every row is in the page; the script shows 25 at a time

    def test_an_empty_table_says_none(self):
        assert rp.table_html({"id": "t", "columns": COLUMNS, "rows": []}) == '<p class="none" id="t">None.</p>'

    def test_values_are_escaped_like_jinja(self):
        html = rp.table_html({"id": "t", "columns": COLUMNS, "rows": [dict(rows(1)[0], name="<script>alert(\"x\")</script> & 'co'")]})
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;co&#39;" in html and "<script>" not in html

    def test_csv_has_every_row_and_no_formula(self):
        data = rows(120) + [{"sid": "HS999", "name": "=HYPERLINK(\"http://x\")", "total": None, "status": None,
                             "rules": [], "after": None}]
        text = rp.table_csv({"id": "t", "columns": COLUMNS, "rows": data})
        parsed = list(csv.reader(io.StringIO(text)))
        assert parsed[0] == ["SID", "Name", "Total (MB)", "Status", "Rules", "After"]
        assert len(parsed) == 122 and parsed[2] == ["HS001", "n1", "1.50", "active", "a; b", "status=inactive"]
        assert parsed[-1] == ["HS999", "'=HYPERLINK(\"http://x\")", "", "", "", ""]

    def test_page_gives_head_tables_and_csv_by_file_name(self):
        result = rp.page([{"id": "one", "columns": COLUMNS, "rows": rows(2)}], "audit", 10)
        assert set(result["tables"]) == {"one"} and set(result["csv"]) == {"audit-one.csv"}
        assert result["csv_names"] == {"one": "audit-one.csv"}
        head = result["head"]
        assert head.count("<script>") == 1 and "src=" not in head and "http" not in head and "url(" not in head
        assert "table.paged" in head and "max-width: none" in head


class TestTrend:
    def test_no_chart_before_two_points(self):
        assert rp.trend_svg("c", "T", [{"at": "2026-01-01T00:00:00Z", "a": 1}], [("a", "A")]) is None

    def test_a_line_per_series_breaking_at_missing_values(self):
        points = [{"at": "2026-01-0%dT00:00:00Z" % day, "a": day * 10, "b": None if day == 2 else day} for day in (1, 2, 3)]
        svg = rp.trend_svg("c", "Title", points, [("a", "A"), ("b", "B")], " MB")
        assert svg.startswith('<figure class="chart trend" id="c">') and svg.count("<path ") == 2
        paths = re.findall(r' d="([^"]*)"', svg)
        assert paths[0].count("L") == 2 and paths[1].count("M") == 2  # b breaks where it has no value
        assert "A: 30" in svg and "2026-01-01T00:00" in svg and "2026-01-03T00:00" in svg


class TestVocabulary:
    def test_each_term_once_with_its_window(self):
        assert label("no_data", 30) == "no data in 30 days" and label("no_data", 30.0) == "no data in 30 days"
        assert label("no_commands", 7) == "no IP or SMS command in 7 days"
        assert label("over_data_limit", 14, percent=90.0) == "above 90% of the fleet's data limit in 14 days"
        assert all(t.name == name and t.test and t.description for name, t in TERMS.items())
        # distinct tests have distinct names and labels
        assert len(set(t.test for t in TERMS.values())) == len(TERMS)
        assert len(set(t.label for t in TERMS.values())) == len(TERMS)
        assert term("no_data").as_dict(30)["window_days"] == 30
        with pytest.raises(AnsibleFilterError, match="unknown report term 'silent'"):
            term("silent")

    def test_lifecycle_order_from_the_endpoint_table(self):
        assert SIM_STATUS_ORDER["wireless"] == SIM_STATUSES["wireless"]
        assert SIM_STATUS_ORDER["all"][:5] == ("new", "ready", "active", "suspended", "inactive")
        assert set(SIM_STATUS_ORDER["all"]) == set(SIM_STATUSES["wireless"]) | set(SIM_STATUSES["supersim"])
        counts = {"suspended": 1, "active": 2, "none": 1, "retired": 1, "new": 3}
        assert list(in_order(counts, SIM_STATUS_ORDER["wireless"])) == ["new", "active", "suspended", "retired", "none"]
