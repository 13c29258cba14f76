"""HTTP API for reports: a company's figures for a date range, and each table as CSV (admins only:
the figures include the team's performance)."""
from __future__ import annotations

import csv
import io

from flask import Response, g
from flask_smorest import Blueprint

from ..errors import NotFound
from ..services.reports import TABLES, Report
from .auth import admin_required, services
from .schemas import ReportOut, ReportQuery

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Reports for a date range")


def _report(args) -> Report:
    return services().reports.build(g.company, args["from_"], args["to"])


@blp.route("", methods=["GET"])
@blp.arguments(ReportQuery(), location="query")
@blp.response(200, ReportOut)
@admin_required
def get_report(args):
    """The company's figures for local dates from..to (both included), with every table."""
    report = _report(args)
    return {"from_": report.start.isoformat(), "to": report.end.isoformat(), "timezone": report.timezone,
            "summary": report.summary,
            "tables": {name: {"columns": t.columns, "rows": t.rows} for name, t in report.tables.items()}}


def _cell(value):
    # a text cell starting like a formula is shown as text by spreadsheets, never run
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@blp.route("/<string:table>.csv", methods=["GET"])
@blp.arguments(ReportQuery(), location="query")
@blp.doc(responses={"200": {"description": "the table, with a header row", "content": {"text/csv": {"schema": {
    "type": "string"}}}}})
@admin_required
def get_report_csv(args, table):
    """One table of the report as CSV (``summary``, ``tickets_per_day``, ``response_times``, ``csat``,
    ``busiest_hours``, ``busiest_weekdays``, ``ai_answers``)."""
    if table not in TABLES:
        raise NotFound(f"no report table {table!r}; use one of: {', '.join(TABLES)}")
    report = _report(args)
    data = report.tables[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(data.columns)
    writer.writerows([[_cell(v) for v in row] for row in data.rows])
    filename = f"hearth-{g.company.slug}-{table}-{report.start.isoformat()}-to-{report.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
