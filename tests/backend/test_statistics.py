"""Statistics for managers and open data (issue 15): figures against hand-computed values on a
seeded data set (stats_support.py), test cases excluded, roles, bad input, the CSV export and
the open-data page's fewer-than-5 rule. The conversations come from Rasa's own SQLTrackerStore."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any, Iterator

import pytest

from backend import schemas
from backend.models import Case, CaseItem
from backend.services.staff import StaffService
from backend.services.statistics import _quantile, working_days_between
from tests.backend.conftest import PASSWORD, SERVICE_TOKEN, BackendServer, Client, start_backend
from tests.backend.stats_support import (
    END,
    EXPECTED_CONVERSATIONS,
    START,
    conversations,
    days,
    expected_materials,
    seed_cases,
    write_tracker_store,
)

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
TOKEN = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    root = tmp_path_factory.mktemp("statistics")
    tracker = root / "rasa_tracker.db"
    write_tracker_store(tracker, conversations())
    server = start_backend(root, database_urls(), tracker_store_url=f"sqlite:///{tracker}")
    with server.app.ctx.session_factory() as session:
        StaffService(session).create_user("mgr", PASSWORD, "manager")
        seed_cases(session)
    yield server
    server.stop()


@pytest.fixture
def manager(backend: BackendServer) -> Client:
    c = Client(backend.url)
    assert c.login("mgr").status == 302
    return c


def stats(client: Client, query: str = "", headers: dict[str, str] | None = None) -> Any:
    return client.get(
        f"/api/v1/statistics?from={START}&to={END}{query}", headers=TOKEN if headers is None else headers
    )


def test_figures_match_the_hand_computed_values(client: Client) -> None:
    response = stats(client)
    assert response.status == 200, response.text
    body = response.json()
    assert set(body) == {"cases", "time", "materials", "ratings", "conversations"}
    schemas.Statistics.parse_obj(body)  # the documented model (extra keys forbidden) fits the answer
    assert body["cases"] == {
        "total": 4,  # C1, C2, C3, C6 (C6 was submitted on 1 March in China, 28 February in UTC)
        "by_state": {"completed": 2, "in_progress": 1, "submitted": 1},
        "by_department": {"exit_entry": 3, "science_technology": 2},
        "by_item": {"residence_permit_new": 3, "work_permit_new": 2},
        "by_channel": {"rest": 3, "socketio": 1},
        "by_language": {"en": 2, "zh": 2},
    }
    assert body["time"] == [
        # 18 and 7 calendar days; limit 15 days (rp_decision)
        {
            "item": "residence_permit_new",
            "completed": 2,
            "median_days": 12.5,
            "p90_days": 16.9,
            "limit_days": 15,
            "within_limit_share": 0.5,
        },
        # 8 and 17 working days; limit 5 + 10 working days (pre-review and review)
        {
            "item": "work_permit_new",
            "completed": 2,
            "median_days": 12.5,
            "p90_days": 16.1,
            "limit_days": 15,
            "within_limit_share": 0.5,
        },
    ]
    assert body["materials"] == expected_materials()
    assert body["ratings"] == {
        "count": 0,
        "by_level": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
        "satisfaction_rate": None,
        "good_rate": None,
        "active_rate": None,
        "bad_count": 0,
        "rectified_on_time_rate": None,
        "reply_rate": None,
    }
    assert body["conversations"] == EXPECTED_CONVERSATIONS


def test_filters(client: Client) -> None:
    body = stats(client, "&department=science_technology").json()
    assert body["cases"]["total"] == 2 and body["cases"]["by_department"] == {"science_technology": 2}
    assert [r["item"] for r in body["time"]] == ["work_permit_new"]
    assert stats(client, "&item=residence_permit_new").json()["cases"]["total"] == 3
    zh = stats(client, "&language=zh").json()
    assert zh["cases"]["total"] == 2
    assert zh["conversations"]["count"] == 1 and zh["conversations"]["by_language"] == {"zh": 1}
    assert stats(client, "&channel=socketio").json()["conversations"]["by_channel"] == {"socketio": 1}
    assert stats(client, "&region=weihai").json()["cases"]["total"] == 0
    assert stats(client, "&region=fujian").json()["cases"]["total"] == 4


def test_test_cases_are_excluded_and_marking_one_changes_the_figures(
    backend: BackendServer, client: Client
) -> None:
    before = stats(client).json()["cases"]["total"]
    with backend.app.ctx.session_factory() as session:
        case = session.query(Case).filter(Case.number == "FJ2026000003").one()
        case.is_test = True
        session.commit()
    try:
        assert stats(client).json()["cases"]["total"] == before - 1
    finally:
        with backend.app.ctx.session_factory() as session:
            session.query(Case).filter(Case.number == "FJ2026000003").update({"is_test": False})
            session.commit()


def test_roles(backend: BackendServer, manager: Client, editor: Client) -> None:
    helper = Client(backend.url)
    assert helper.login("helper").status == 302
    for client in (helper, editor):
        assert stats(client, headers={}).status == 403
        assert client.get("/console/statistics").status == 403
    assert stats(manager, headers={}).status == 200
    boss = Client(backend.url)
    assert boss.login("boss").status == 302
    assert stats(boss, headers={}).status == 200
    assert stats(Client(backend.url), headers={}).status == 401
    assert stats(Client(backend.url)).status == 200  # the service token
    assert stats(Client(backend.url), headers={"Authorization": "Bearer wrong"}).status == 401
    # a manager reads statistics only: not the knowledge base, not the cases
    assert manager.get("/console/kb").status == 403
    assert manager.get("/console/cases").status == 403
    home = manager.get("/console/")
    assert home.status == 302 and home.headers["Location"] == "/console/statistics"


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("from=2026-03-31&to=2026-03-01", ["stats_dates_order"]),
        ("from=2026-13-01&to=2026-03-01", ["stats_date_invalid"]),
        ("from=yesterday&to=2026-03-01", ["stats_date_invalid"]),
        ("from=0001-01-01&to=0006-01-01", ["stats_date_range", "stats_date_range"]),
        ("to=2026-03-01", ["stats_date_missing"]),
        ("from=2026-03-01&to=2026-03-31&colour=red", ["stats_filter_unknown"]),
        ("from=2026-03-01&to=2026-03-31&department=police", ["stats_value_unknown"]),
        (
            "from=2026-03-01&to=2026-03-31&language=fr&channel=fax",
            ["stats_value_unknown", "stats_value_unknown"],
        ),
        ("from=2010-01-01&to=2026-03-31", ["stats_period_too_long"]),
    ],
)
def test_bad_input_is_a_400_in_the_callers_language(client: Client, query: str, codes: list[str]) -> None:
    en = client.get(f"/api/v1/statistics?{query}", headers=TOKEN)
    zh = client.get(f"/api/v1/statistics?{query}", headers={**TOKEN, **ZH})
    for response in (en, zh):
        assert response.status == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "statistics_invalid"
        assert [d["code"] for d in error["details"]] == codes
    assert re.search(r"[a-z]{3}", en.json()["error"]["details"][0]["message"])
    assert re.search(r"[\u4e00-\u9fff]", zh.json()["error"]["details"][0]["message"])


def test_the_page_shows_every_table_with_a_csv_export(manager: Client) -> None:
    for lang, word in (("en", "Cases by state"), ("zh", "按状态统计办件")):
        page = manager.get(f"/console/statistics?from={START}&to={END}&lang={lang}")
        assert page.status == 200 and word in page.text
        assert "<script>" not in page.text and "cdn" not in page.text.lower()
        assert "/static/vendor/chart.umd.min.js" in page.text
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    tables = re.findall(r'<table class="entries" data-table="([a-z_]+)"', page.text)
    links = re.findall(r"/console/statistics\.csv\?table=([a-z_]+)", page.text)
    assert tables and sorted(set(tables)) == sorted(set(links))
    by_state = manager.get(f"/console/statistics.csv?table=cases_by_state&from={START}&to={END}")
    assert by_state.status == 200 and by_state.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(by_state.text.lstrip("\ufeff"))))
    assert rows == [["key", "cases"], ["completed", "2"], ["in_progress", "1"], ["submitted", "1"]]
    time_rows = list(
        csv.reader(
            io.StringIO(
                manager.get(f"/console/statistics.csv?table=time&from={START}&to={END}").text.lstrip("\ufeff")
            )
        )
    )
    assert time_rows[1] == ["residence_permit_new", "2", "12.5", "16.9", "15", "0.5"]
    bad = manager.get("/console/statistics?from=2026-03-31&to=2026-03-01&lang=en")
    assert bad.status == 400 and "The end date comes before the start date." in bad.text


def test_open_data_withholds_figures_from_fewer_than_five_cases(backend: BackendServer) -> None:
    with backend.app.ctx.session_factory() as session:
        for n in range(5):  # five real cases for hrss in May 2026, two of them completed
            c = Case(
                number=f"FJ2026{100 + n:06d}",
                region="FJ",
                channel="rest",
                language="en",
                role="worker",
                items=["professional_title"],
                answers_enc="x",
                state="submitted",
                created_at=datetime(2026, 5, 4 + n, 2),
                updated_at=datetime(2026, 5, 4 + n, 2),
            )
            session.add(c)
            session.flush()
            session.add(
                CaseItem(
                    case_id=c.id,
                    department="hrss",
                    services=["professional_title"],
                    state="completed" if n < 2 else "received",
                    updated_at=datetime(2026, 5, 20, 2),
                )
            )
        session.commit()
    anonymous = Client(backend.url)
    for lang, fewer in (("en", "fewer than 5"), ("zh", "不足 5 件")):
        page = anonymous.get(f"/open-data?year=2026&lang={lang}")
        assert page.status == 200
        may = re.search(r'<tr data-month="2026-05" data-department="hrss">(.*?)</tr>', page.text, re.S).group(
            1
        )
        assert re.search(r'data-col="cases">5<', may) and re.search(r'data-col="completed">2<', may)
        # professional_title promises no time limit: none counted within it
        assert re.search(r'data-col="within_limit">0<', may)
        march = re.search(
            r'<tr data-month="2026-03" data-department="exit_entry">(.*?)</tr>', page.text, re.S
        ).group(1)
        assert fewer in march and re.search(r'data-col="cases">3<', march) is None  # 3 cases: withheld
        assert "FJ2026" not in page.text and "Schmidt" not in page.text  # no case numbers, no names


def test_working_days_and_quantiles_by_hand() -> None:
    # 2026-09-30 (Wed) -> 2026-10-10 (Sat): National Day holiday 10-01..10-07, then 10-08, 10-09 and
    # the make-up Saturday 10-10 (Monday to Friday alone would give 7)
    assert working_days_between(days("2026-09-30"), days("2026-10-10")) == 3
    assert working_days_between(days("2026-03-02"), days("2026-03-12")) == 8
    assert _quantile({7: 1, 18: 1}, 0.9) == 16.9
    assert _quantile({1: 3, 10: 1}, 0.5) == 1
    assert _quantile({}, 0.5) is None


def test_the_tracker_store_url_is_read_as_rasa_reads_it() -> None:
    from backend.config import PROJECT_ROOT, Settings

    assert Settings.from_env({}).tracker_store_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'rasa_tracker.db'}"
    relative = Settings.from_env({"TRACKER_STORE_URL": "sqlite:///var/other.db"})
    assert relative.tracker_store_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'other.db'}"  # Rasa's cwd
    pg = "postgresql://rasa:pw@db:5432/rasa"
    settings = Settings.from_env({"TRACKER_STORE_URL": pg, "EVENT_BROKER_URL": "amqp://u:p@mq:5672"})
    assert settings.tracker_store_url == pg and settings.event_broker_url == "amqp://u:p@mq:5672"
