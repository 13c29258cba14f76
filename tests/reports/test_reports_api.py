"""GET /api/v1/reports and its CSV tables: admins only, validated, one company's data only."""
import csv
import io

import pytest

from tests.conftest import Tenant
from tests.reports.conftest import build_week

RANGE = "from=2026-11-02&to=2026-11-05"


@pytest.fixture
def week(services, clock):
    return build_week(services, clock)


def test_admin_gets_the_report(make_client, week):
    api = make_client(week["tenant"].admin)
    response = api.get(f"/api/v1/reports?{RANGE}")
    assert response.status_code == 200
    data = response.get_json()
    assert (data["from"], data["to"], data["timezone"]) == ("2026-11-02", "2026-11-05", "UTC")
    assert data["summary"]["deflection_rate"] == 0.4
    assert data["summary"]["resolution"]["p90_minutes"] == 888.0
    assert data["tables"]["csat"] == {"columns": ["score", "ratings"], "rows": [[1, 1], [2, 0], [3, 1], [4, 1], [5, 1]]}


def test_agents_and_strangers_may_not_read_reports(make_client, week):
    assert make_client(week["tenant"].agent).get(f"/api/v1/reports?{RANGE}").status_code == 403
    assert make_client(week["tenant"].agent).get(f"/api/v1/reports/csat.csv?{RANGE}").status_code == 403
    assert make_client().get(f"/api/v1/reports?{RANGE}").status_code == 401


def test_csv_download(make_client, week):
    api = make_client(week["tenant"].admin)
    response = api.get(f"/api/v1/reports/tickets_per_day.csv?{RANGE}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="hearth-acme-tickets_per_day-2026-11-02-to-2026-11-05.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["date", "tickets", "resolved", "resolved_by_ai"], ["2026-11-02", "2", "1", "0"],
                    ["2026-11-03", "2", "2", "1"], ["2026-11-04", "2", "2", "1"], ["2026-11-05", "0", "0", "0"]]
    providers = list(csv.reader(io.StringIO(api.get(f"/api/v1/reports/ai_answers.csv?{RANGE}").get_data(as_text=True))))
    assert providers[1] == ["ollama", "llama3.2:3b", "2", "1"]
    assert api.get(f"/api/v1/reports/passwords.csv?{RANGE}").status_code == 404


@pytest.mark.parametrize("query, field", [
    ("from=2026-11-05&to=2026-11-01", "to"),
    ("from=2026-02-30&to=2026-03-01", "from"),
    ("from=2024-01-01&to=2026-11-01", "to"),
    ("to=2026-11-01", "from"),
    ("from=2026-11-01", "to"),
])
def test_bad_ranges_answer_422_naming_the_field(make_client, acme, query, field):
    api = make_client(acme.admin)
    for url in (f"/api/v1/reports?{query}", f"/api/v1/reports/summary.csv?{query}"):
        response = api.get(url)
        assert response.status_code == 422, url
        error = response.get_json()["error"]
        assert field in error["fields"], error


def test_company_b_never_sees_company_a(make_client, services, week, clock):
    globex = Tenant(services, "globex")
    api = make_client(globex.admin)
    data = api.get(f"/api/v1/reports?{RANGE}").get_json()
    assert data["summary"]["tickets"] == 0 and data["summary"]["csat"]["count"] == 0
    assert all(row[1] == 0 for row in data["tables"]["tickets_per_day"]["rows"])
    rows = list(csv.reader(io.StringIO(api.get(f"/api/v1/reports/ai_answers.csv?{RANGE}").get_data(as_text=True))))
    assert rows == [["provider", "model", "answers", "from_cache"]]


def test_a_time_zone_saved_before_it_was_checked_reports_in_utc(make_client, services, week):
    """A policy saved with a folder of the zone database as its time zone ("America") was a 500."""
    from appliance.domain.models import SlaPolicy

    tenant = week["tenant"]
    services.sla.set_policy(tenant.company, tenant.admin, targets={}, hours={"tz": "America/New_York"})
    SlaPolicy.update(hours={"tz": "America"}).execute()
    response = make_client(tenant.admin).get(f"/api/v1/reports?{RANGE}")
    assert response.status_code == 200 and response.get_json()["timezone"] == "UTC"
