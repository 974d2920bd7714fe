"""Real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser is
downloaded): an officer signs in, filters the case list, opens a case, sees the personal data
masked, reveals it, moves the item received -> under review with a note, and the timeline
shows it; then the applicant's /status page shows the new state."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any, Iterator

import pytest

from backend.services.staff import StaffService
from tests.backend.conftest import PASSWORD, BackendServer, Client, needs_chromium, start_backend

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "var/screenshots"))

pytestmark = [needs_chromium]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    # No Rasa here: the push to the applicant fails fast and the state change goes on.
    server = start_backend(
        tmp_path_factory.mktemp("case-browser"),
        database_urls(),
        rasa_url="http://127.0.0.1:9",
        notify_wait=0.2,
        notify_timeout=1.0,
    )
    with server.app.ctx.session_factory() as session:
        StaffService(session).create_user("hrss_officer", PASSWORD, "officer", department="hrss")
    yield server
    server.stop()


def submit(site: BackendServer, passport_number: str, *, test: bool = False) -> str:
    answers = {
        "surname": "Schmidt",
        "given_names": "Anna",
        "gender": "female",
        "date_of_birth": "1990-05-17",
        "nationality": "Germany",
        "passport_number": passport_number,
        "phone": "13812345678",
    }
    response = Client(site.url).post_json(
        "/api/v1/cases",
        {
            "items": ["e_social_security_card"],
            "role": "worker",
            "answers": answers,
            "language": "en",
            "channel": "rest",
            "conversation_id": "conv-" + secrets.token_hex(6),
            "test": test,
        },
    )
    assert response.status == 201, response.text
    return response.json()["case"]["number"]


def test_officer_moves_an_item_and_the_status_page_shows_it(site: BackendServer, browser: Any) -> None:
    passport = "E" + "".join(secrets.choice("0123456789") for _ in range(8))
    case = submit(site, passport)
    other = submit(site, "E" + "".join(secrets.choice("0123456789") for _ in range(8)), test=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    page = browser.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Sign in: the console sends us to the login form and back to the case list.
    page.goto(f"{site.url}/console/cases?lang=en")
    page.wait_for_url(re.compile(r"/console/login\?next="))
    page.fill("input[name=username]", "hrss_officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/cases(\?|$)"))
    assert page.locator(f"tr[data-case='{other}']").count() == 1

    # Filter: real cases in state "received", then the case number.
    page.select_option("select[name=state]", "received")
    page.select_option("select[name=kind]", "real")
    page.click("form.case-filters button[type=submit]")
    page.wait_for_url(re.compile(r"state=received"))
    assert page.locator(f"tr[data-case='{case}']").count() == 1
    assert page.locator(f"tr[data-case='{other}']").count() == 0
    page.fill("input[name=q]", case)
    page.click("form.case-filters button[type=submit]")
    page.wait_for_url(re.compile(f"q={case}"))
    assert page.locator("table.cases tbody tr").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "cases-list.png"), full_page=True)

    # The case: personal data masked.
    page.click(f"a[href='/console/cases/{case}']")
    page.wait_for_url(f"**/console/cases/{case}")
    masked = page.inner_text("tr[data-field=passport_number] td.value")
    assert "*" in masked and masked != passport
    assert passport not in page.content()
    assert page.inner_text("tr[data-field=phone] td.value") == "138****5678"

    # Reveal (audited): the decrypted values.
    page.click("#reveal")
    page.wait_for_selector("#reveal-notice")
    assert page.inner_text("tr[data-field=passport_number] td.value") == passport
    assert page.inner_text("tr[data-field=phone] td.value") == "13812345678"
    page.screenshot(path=str(SCREENSHOTS / "case-revealed.png"), full_page=True)

    # received -> under review, with a note; the timeline shows it.
    note = "Your documents are complete; we are checking them now."
    item = page.locator("article.case-item[data-department=hrss]")
    assert item.get_attribute("data-state") == "received"
    item.locator("select[name=new_state]").select_option("under_review")
    item.locator("textarea[name=note]").fill(note)
    item.locator("form.state-change button[type=submit]").click()
    page.wait_for_selector("#done")
    assert page.inner_text("#done") == "The state is now: Under review. The applicant is being told."
    item = page.locator("article.case-item[data-department=hrss]")
    assert item.get_attribute("data-state") == "under_review"
    latest = item.locator("ol.timeline li").last
    assert latest.get_attribute("data-state") == "under_review"
    assert note in latest.inner_text() and "hrss_officer" in latest.inner_text()
    # Back to masked after the reveal.
    assert passport not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "case-state-changed.png"), full_page=True)

    # The applicant's status page: case number + the full passport number.
    public = browser.new_page()
    public.on("pageerror", lambda exc: errors.append(str(exc)))
    public.goto(f"{site.url}/status?lang=en")
    public.fill("input[name=case_number]", case)
    public.fill("input[name=passport_number]", passport)
    public.click("#status-submit")
    public.wait_for_selector("#status-result")
    result = public.locator("article.case-item[data-department=hrss]")
    assert result.get_attribute("data-state") == "under_review"
    assert "Current state: Under review" in result.inner_text()
    assert note in result.inner_text()
    assert passport not in public.content()
    public.screenshot(path=str(SCREENSHOTS / "status.png"), full_page=True)
    # The same page in Chinese.
    public.goto(f"{site.url}/status?lang=zh")
    public.fill("input[name=case_number]", case)
    public.fill("input[name=passport_number]", passport)
    public.click("#status-submit")
    public.wait_for_selector("#status-result")
    assert re.search("当前状态：审查中", public.inner_text("#status-result"))
    public.close()
    page.close()
    assert errors == []
