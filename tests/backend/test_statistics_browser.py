"""The statistics page in real headless Chromium (issue 15): the vendored Chart.js draws every
chart from the tables under the page's CSP (no violation, no script error), in both languages,
and the filters change the figures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from backend.services.staff import StaffService
from tests.backend.conftest import PASSWORD, BackendServer, needs_chromium, start_backend
from tests.backend.stats_support import END, START, conversations, seed_cases, write_tracker_store

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "var/screenshots"))
pytestmark = [needs_chromium]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    root = tmp_path_factory.mktemp("statistics-browser")
    tracker = root / "tracker.db"
    write_tracker_store(tracker, conversations())
    server = start_backend(root, database_urls(), tracker_store_url=f"sqlite:///{tracker}")
    with server.app.ctx.session_factory() as session:
        StaffService(session).create_user("mgr", PASSWORD, "manager")
        seed_cases(session)
    yield server
    server.stop()


CHART_STATE = """() => Array.from(document.querySelectorAll('canvas.chart')).map(c => {
  const chart = Chart.getChart(c);
  const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
  return {name: c.dataset.table, labels: chart ? chart.data.labels : null,
          data: chart ? chart.data.datasets.map(d => d.data) : null, painted};
})"""


def test_charts_render_from_the_tables_in_both_languages(site: BackendServer, browser: Any) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type in ("error", "warning") and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    # every failed request but the favicon (the consoles have none)
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{site.url}/console/statistics?lang=en")
    page.fill("input[name=username]", "mgr")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/statistics**")
    page.goto(f"{site.url}/console/statistics?from={START}&to={END}&lang=en")
    page.wait_for_selector("canvas#chart-time[data-rendered]")
    charts = {c["name"]: c for c in page.evaluate(CHART_STATE)}
    assert set(charts) == {
        "cases_by_state",
        "cases_by_department",
        "cases_by_item",
        "cases_by_channel",
        "cases_by_language",
        "time",
        "ratings_by_level",
        "conversations_by_channel",
        "conversations_by_language",
    }
    assert charts["cases_by_state"]["labels"] == ["completed", "in_progress", "submitted"]
    assert charts["cases_by_state"]["data"] == [[2, 1, 1]]
    assert charts["time"]["labels"] == ["residence_permit_new", "work_permit_new"]
    assert charts["time"]["data"] == [[12.5, 12.5], [16.9, 16.1], [15, 15]]  # median, p90, limit
    assert charts["conversations_by_channel"]["data"] == [[1, 1]]
    for chart in charts.values():
        assert chart["painted"] > 500, chart["name"]  # something was drawn on the canvas
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "statistics-en.png"), full_page=True)

    # the filters: one department
    page.select_option("select[name=department]", "science_technology")
    page.click("#stats-filters button[type=submit]")
    page.wait_for_selector("canvas#chart-time[data-rendered]")
    assert page.inner_text("#cases-total") == "Total: 2"
    charts = {c["name"]: c for c in page.evaluate(CHART_STATE)}
    assert charts["time"]["labels"] == ["work_permit_new"]

    page.goto(f"{site.url}/console/statistics?from={START}&to={END}&lang=zh")
    page.wait_for_selector("canvas#chart-time[data-rendered]")
    assert page.inner_text("#cases-total") == "合计：4"
    assert "按状态统计办件" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "statistics-zh.png"), full_page=True)
    assert not problems, problems  # no CSP violation, no script error
    page.close()


def test_open_data_page_renders_without_login(site: BackendServer, browser: Any) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{site.url}/open-data?year=2026&lang=zh")
    assert "不足 5 件" in page.inner_text("#open-data")
    assert not problems, problems
    page.close()
