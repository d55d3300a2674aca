# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every HTML report of the collection shares (private to this collection, controller side): the stylesheet,
the table script (paging and filtering, inline, no network), tables rendered from one description that also gives
their CSV, and the SVG trend chart.

A table is a dict: ``id`` (HTML id, and the CSV file name after the report's prefix), ``columns`` (each a dict of
``key``, ``label`` and ``kind``: text, sid, num, mb (bytes shown as MB), pct, tag (a status or outcome), list, pairs)
and ``rows`` (dicts by column key). Every value is HTML-escaped; CSV cells that a spreadsheet would read as a formula
are prefixed with an apostrophe.
"""

import csv
import io
import math

from ansible.module_utils.common.text.converters import to_text

# Rows per page of a paged table when the report does not say.
PAGE_SIZE = 50

STYLE = u"""
*, *::before, *::after { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; line-height: 1.4; }
header { background: #1f2933; color: #fff; padding: 1.2rem 2rem; }
header h1 { margin: 0 0 .3rem 0; font-size: 1.6rem; }
header p { margin: 0; color: #cbd2d9; overflow-wrap: anywhere; }
main { padding: 1rem 2rem 3rem 2rem; width: 100%; max-width: none; }
h2 { border-bottom: 2px solid #e4e7eb; padding-bottom: .3rem; margin-top: 2rem; }
p, li { max-width: 80rem; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; }
.card { background: #fff; border-radius: 6px; padding: .8rem 1rem; min-width: 9rem; max-width: 22rem; box-shadow: 0 1px 2px rgba(0,0,0,.1); }
.card .n { font-size: 1.7rem; font-weight: 600; }
.card .t { font-size: .85rem; color: #616e7c; }
.card .w { font-size: .75rem; color: #9aa5b1; }
.card.bad .n { color: #c62828; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.chart { background: #fff; margin: 0; padding: .8rem; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.1); max-width: 100%; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
svg text { font-size: 12px; fill: #1f2933; }
.bar rect { fill: #7b93db; }
.s-active rect, .s-installed rect, .s-delivered rect, .s-received rect, .s-sent rect { fill: #3f9142; }
.s-ready rect, .s-available rect, .s-downloaded rect, .s-queued rect, .s-new rect, .s-reserving rect { fill: #4c9aff; }
.s-scheduled rect, .s-updating rect { fill: #9f7aea; }
.s-suspended rect, .s-inactive rect { fill: #f0a020; }
.s-deactivated rect, .s-canceled rect { fill: #9aa5b1; }
.s-failed rect { fill: #d64545; }
.trend path { fill: none; stroke-width: 2; }
.trend .axis { stroke: #cbd2d9; stroke-width: 1; }
.table-wrap { width: 100%; overflow-x: auto; }
table { border-collapse: collapse; background: #fff; width: 100%; font-size: .85rem; box-shadow: 0 1px 2px rgba(0,0,0,.1); }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; overflow-wrap: break-word; }
th { background: #e4e7eb; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.sid { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .8rem; word-break: break-all; min-width: 9rem; }
td.list, td.pairs { min-width: 7rem; }
td.text-long { min-width: 16rem; width: 30%; }
.tag { padding: 0 .4rem; border-radius: 3px; background: #e4e7eb; white-space: nowrap; }
.tag.s-failed, .tag.o-failed, .tag.o-not_found, .tag.o-not_attempted { background: #facdcd; }
.tag.s-active, .tag.o-changed { background: #c6f0c2; }
.tag.o-skipped, .tag.o-would_change { background: #fff3c4; }
.none { color: #9aa5b1; }
.more, .note { color: #616e7c; font-style: italic; }
.counts { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.table-block { max-width: 100%; }
.counts .table-block { flex: 1 1 16rem; }
.table-block .note { margin: .3rem 0 0 0; font-size: .8rem; }
.pager { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .4rem 0; font-size: .85rem; }
.pager input { padding: .2rem .4rem; min-width: 14rem; }
.pager button { padding: .2rem .7rem; }
footer { color: #616e7c; font-size: .8rem; padding: 1rem 2rem; }
"""

# Paging and filtering of every table with the class "paged": its rows stay in the page (nothing is fetched), the
# script shows data-page-size of them at a time, and the filter box keeps the rows whose text contains its words.
SCRIPT = u"""
(function () {
  "use strict";
  function setup(table) {
    var size = parseInt(table.getAttribute("data-page-size"), 10) || 50;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var bar = document.createElement("div");
    bar.className = "pager";
    bar.innerHTML = '<input type="search" class="filter" placeholder="Filter rows" aria-label="Filter rows">'
      + '<button type="button" class="prev">Previous</button><span class="pos"></span>'
      + '<button type="button" class="next">Next</button>';
    var wrap = table.parentNode.className === "table-wrap" ? table.parentNode : table;
    wrap.parentNode.insertBefore(bar, wrap);
    var input = bar.querySelector(".filter"), prev = bar.querySelector(".prev"),
        next = bar.querySelector(".next"), pos = bar.querySelector(".pos");
    var page = 0, shown = rows;
    function draw() {
      var pages = Math.max(1, Math.ceil(shown.length / size));
      page = Math.min(Math.max(page, 0), pages - 1);
      var from = page * size, to = Math.min(shown.length, from + size), i;
      for (i = 0; i < rows.length; i++) { rows[i].style.display = "none"; }
      for (i = from; i < to; i++) { shown[i].style.display = ""; }
      pos.textContent = shown.length ? "rows " + (from + 1) + " to " + to + " of " + shown.length
        + (shown.length < rows.length ? " (filtered from " + rows.length + ")" : "") : "no row matches";
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
      table.setAttribute("data-page", String(page + 1));
    }
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      shown = rows.filter(function (row) {
        var text = row.textContent.toLowerCase();
        return words.every(function (word) { return text.indexOf(word) >= 0; });
      });
      page = 0;
      draw();
    });
    prev.addEventListener("click", function () { page -= 1; draw(); });
    next.addEventListener("click", function () { page += 1; draw(); });
    draw();
  }
  function start() {
    var tables = document.querySelectorAll("table.paged");
    for (var t = 0; t < tables.length; t++) { setup(tables[t]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
"""

HEAD = u"<style>%s</style>\n<script>%s</script>" % (STYLE, SCRIPT)

TREND_COLOURS = ("#3f62c9", "#3f9142", "#d64545", "#f0a020", "#9f7aea", "#4c9aff", "#9aa5b1", "#1f2933", "#c2185b")


def esc(value):
    """HTML-escaped text, the same entities as Jinja's e filter (so a name reads the same in every part of a page)."""
    text = u"" if value is None else to_text(value)
    return (text.replace(u"&", u"&amp;").replace(u"<", u"&lt;").replace(u">", u"&gt;")
            .replace(u'"', u"&#34;").replace(u"'", u"&#39;"))


def _css(value):
    return "".join(c for c in to_text(value).lower() if c.isalnum() or c in "_-")


def megabytes_text(count):
    return "%.2f" % ((count or 0) / 1000000.0)


def _cell_text(kind, value):
    """A value as CSV text (None is empty)."""
    if value is None:
        return u""
    if kind == "mb":
        return megabytes_text(value)
    if kind == "list":
        return u"; ".join(to_text(v) for v in value or [])
    if kind == "pairs":
        return u" ".join(u"%s=%s" % (k, u"" if v is None else to_text(v)) for k, v in (value or {}).items())
    if kind == "pct":
        return "%.1f" % value
    return to_text(value)


def _cell_html(kind, value):
    if value is None or value == "" or (kind in ("list", "pairs") and not value):
        css = "num" if kind in ("num", "mb", "pct") else ("" if kind == "tag" else kind)
        return u'<td class="%s"><span class="none">-</span></td>' % css
    if kind == "num":
        return u'<td class="num">%s</td>' % esc(value)
    if kind == "mb":
        return u'<td class="num">%s</td>' % megabytes_text(value)
    if kind == "pct":
        return u'<td class="num">%.1f %%</td>' % value
    if kind == "tag":
        return u'<td><span class="tag s-%s o-%s">%s</span></td>' % (_css(value), _css(value), esc(value))
    return u'<td class="%s">%s</td>' % (kind, esc(_cell_text(kind, value)))


def table_html(table, page_size=PAGE_SIZE):
    """The table as HTML: a paged, filterable table when it has more rows than fit on one page or more than 10."""
    columns, rows = table["columns"], table["rows"]
    if not rows:
        return u'<p class="none" id="%s">None.</p>' % esc(table["id"])
    paged = len(rows) > min(10, page_size)
    head = u"".join(u'<th%s>%s</th>' % (u' class="num"' if c.get("kind") in ("num", "mb", "pct") else u"", esc(c["label"]))
                    for c in columns)
    body = u"\n".join(u"<tr>%s</tr>" % u"".join(_cell_html(c.get("kind", "text"), row.get(c["key"])) for c in columns)
                      for row in rows)
    attributes = u' class="paged" data-page-size="%d"' % page_size if paged else u""
    return (u'<div class="table-wrap"><table id="%s"%s>\n<thead><tr>%s</tr></thead>\n<tbody>\n%s\n</tbody>\n</table></div>'
            % (esc(table["id"]), attributes, head, body))


def _spreadsheet_safe(text):
    return u"'" + text if text[:1] in (u"=", u"+", u"-", u"@", u"\t", u"\r") else text


def table_csv(table):
    """The table as CSV text (a header row, then one line per row; bytes as MB like the page)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = table["columns"]
    writer.writerow([c["label"] for c in columns])
    for row in table["rows"]:
        cells = []
        for column in columns:
            value = row.get(column["key"])
            text = _cell_text(column.get("kind", "text"), value)
            numeric = column.get("kind") in ("num", "mb", "pct") and not isinstance(value, str)
            cells.append(text if numeric else _spreadsheet_safe(text))
        writer.writerow(cells)
    return out.getvalue()


def page(tables, prefix, page_size=PAGE_SIZE):
    """What a report page needs from its tables: ``head`` (style and script), ``tables`` (id to HTML) and ``csv``
    (file name to CSV text, one file per table: <prefix>-<id>.csv)."""
    return {
        "head": HEAD,
        "tables": dict((t["id"], table_html(t, page_size)) for t in tables),
        "csv": dict(("%s-%s.csv" % (prefix, t["id"]), table_csv(t)) for t in tables),
        "csv_names": dict((t["id"], "%s-%s.csv" % (prefix, t["id"])) for t in tables),
    }


def trend_svg(chart_id, title, points, series, unit=""):
    """An SVG line chart of ``points`` (dicts with ``at`` and one number per series key) for ``series`` (a list of
    (key, label)); None when there are fewer than two points. Missing values break the line."""
    if len(points) < 2:
        return None
    width, height, left, right, top, bottom = 900, 240, 56, 290, 14, 36
    values = [p.get(key) for p in points for key, dummy in series if isinstance(p.get(key), (int, float))]
    highest = max(values or [0]) or 1
    magnitude = 10 ** math.floor(math.log10(highest))
    highest = math.ceil(highest / magnitude) * magnitude
    inner_w, inner_h = width - left - right, height - top - bottom

    def x(index):
        return left + inner_w * index / float(len(points) - 1)

    def y(value):
        return top + inner_h * (1 - value / float(highest))
    parts = [u'<figure class="chart trend" id="%s"><figcaption>%s</figcaption>' % (esc(chart_id), esc(title)),
             u'<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">'
             % (width, height, width, height, esc(title)),
             u'<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"></line>' % (left, top + inner_h, left + inner_w, top + inner_h),
             u'<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"></line>' % (left, top, left, top + inner_h),
             u'<text x="%d" y="%d" text-anchor="end">%s%s</text>' % (left - 4, top + 10, esc(_short(highest)), esc(unit)),
             u'<text x="%d" y="%d" text-anchor="end">0</text>' % (left - 4, top + inner_h)]
    for index in sorted({0, len(points) - 1}):
        parts.append(u'<text x="%.1f" y="%d" text-anchor="%s">%s</text>' % (
            x(index), height - 12, "start" if index == 0 else "end", esc((points[index].get("at") or "")[:16])))
    for number, (key, name) in enumerate(series):
        colour = TREND_COLOURS[number % len(TREND_COLOURS)]
        path, pen = [], "M"
        for index, point in enumerate(points):
            value = point.get(key)
            if not isinstance(value, (int, float)):
                pen = "M"
                continue
            path.append(u"%s%.1f %.1f" % (pen, x(index), y(value)))
            pen = "L"
        last = points[-1].get(key)
        parts.append(u'<g class="series"><title>%s: %s</title><path d="%s" stroke="%s"></path>' % (
            esc(name), esc(u", ".join(_short(p.get(key)) for p in points)), u" ".join(path), colour))
        parts.append(u'<text x="%d" y="%d" fill="%s">%s: %s</text></g>' % (
            left + inner_w + 8, top + 14 + 16 * number, colour, esc(name), esc(_short(last))))
    parts.append(u"</svg></figure>")
    return u"\n".join(parts)


def _short(value):
    if value is None:
        return u"-"
    if isinstance(value, float):
        return u"%g" % round(value, 2)
    return to_text(value)
