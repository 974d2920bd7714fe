"""The officer console for cases, the watchlist, the audit log and the public /status page,
over a real socket: roles, department scoping, masking and audited reveals, state changes,
test cases, joint reviews, CSRF, escaping and the status lockout, in English and Chinese."""

from __future__ import annotations

import html
import re
import secrets
from datetime import date, timedelta
from typing import Any, Iterator

import pytest
from markupsafe import escape
from sqlalchemy import MetaData, select

from backend.models import AuditLog, CaseEvent, WatchlistEntry
from backend.services.cases import CaseService
from backend.services.staff import StaffService
from knowledge.application.uscc import CHARSET, check_character
from tests.backend.conftest import PASSWORD, BackendServer, Client, start_backend

OFFICERS = {"hrss_officer": "hrss", "exit_officer": "exit_entry", "loose_officer": None}
HOSTILE = "<script>window.pwned=1</script>' OR 1=1; DROP TABLE cases; --"


# --- fixtures and helpers ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, database_urls: Any) -> Iterator[BackendServer]:
    # Rasa is not running: pushes fail fast and a state change must not care.
    server = start_backend(
        tmp_path_factory.mktemp("cases"),
        database_urls(),
        rasa_url="http://127.0.0.1:9",
        notify_wait=0.2,
        notify_timeout=1.0,
    )
    with server.app.ctx.session_factory() as session:
        staff = StaffService(session)
        for username, department in OFFICERS.items():
            staff.create_user(username, PASSWORD, "officer", department=department)
    yield server
    server.stop()


def uscc(seed: int) -> str:
    first = "91350100" + "".join(CHARSET[(seed * 7 + i * 3) % 10] for i in range(9))
    return first + check_character(first)


def passport() -> str:
    return "E" + "".join(secrets.choice("0123456789") for _ in range(8))


def person(passport_number: str) -> dict[str, Any]:
    return {
        "surname": "Schmidt",
        "given_names": "Anna",
        "gender": "female",
        "date_of_birth": "1990-05-17",
        "nationality": "Germany",
        "passport_number": passport_number,
        "phone": "13812345678",
    }


def employer(name: str = "Fuzhou Example Technology Co. Ltd.") -> dict[str, Any]:
    return {
        "address_in_china": "88 Wusi Road, Gulou District, Fuzhou",
        "employer_name": name,
        "employer_uscc": uscc(3),
        "contract_start": (date.today() - timedelta(days=30)).isoformat(),
        "annual_salary_cny": 400000,
    }


def submit(
    site: BackendServer,
    items: list[str],
    passport_number: str | None = None,
    *,
    test: bool = False,
    extra: dict[str, Any] | None = None,
    language: str = "en",
) -> str:
    answers = person(passport_number or passport())
    if "social_insurance" in items:
        answers.update(employer())
    answers.update(extra or {})
    body = {
        "items": items,
        "role": "worker",
        "answers": answers,
        "language": language,
        "channel": "rest",
        "conversation_id": "conv-" + secrets.token_hex(6),
        "test": test,
    }
    response = Client(site.url).post_json("/api/v1/cases", body)
    assert response.status == 201, response.text
    return response.json()["case"]["number"]


def officer(site: BackendServer, username: str = "hrss_officer") -> Client:
    client = Client(site.url)
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post_form(
        "/console/login",
        {"csrf_token": token, "username": username, "password": PASSWORD, "next": "/console/cases"},
    )
    assert response.status == 302 and response.headers["Location"] == "/console/cases"
    return client


def post(client: Client, path: str, fields: dict[str, str], csrf_from: str = "/console/cases") -> Any:
    return client.post_form(path, {"csrf_token": client.csrf(csrf_from), **fields})


def numbers_listed(page: str) -> set[str]:
    return set(re.findall(r'<tr data-case="([A-Z0-9]+)"', page))


def item_ids(page: str) -> dict[str, int]:
    """department -> item id on a case detail page."""
    return {d: int(i) for i, d in re.findall(r'data-item-id="(\d+)" data-department="([a-z_]+)"', page)}


def audit_rows(site: BackendServer, action: str) -> list[AuditLog]:
    with site.app.ctx.session_factory() as session:
        return list(
            session.execute(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).scalars()
        )


def all_database_text(site: BackendServer) -> str:
    """Every row of every table, as text."""
    out: list[str] = []
    with site.app.ctx.engine.connect() as conn:
        meta = MetaData()
        meta.reflect(bind=conn)
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                out.append(repr(tuple(row)))
    return "\n".join(out)


# --- sign-in and roles ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/console/cases", "/console/cases/FJ2026000001", "/console/watchlist", "/console/audit"]
)
def test_pages_need_a_login(site: BackendServer, path: str) -> None:
    response = Client(site.url).get(path)
    assert response.status == 302
    assert response.headers["Location"] == "/console/login?next=" + path


@pytest.mark.parametrize("username", ["editor", "helper"])
def test_other_roles_get_403_in_both_languages(site: BackendServer, username: str) -> None:
    client = Client(site.url)
    assert client.login(username).status == 302
    for path in ("/console/cases", "/console/watchlist", "/console/audit"):
        assert client.get(path).status == 403
    assert "Your role does not allow this action." in client.get("/console/cases?lang=en").text
    assert "您的角色无权执行此操作。" in client.get("/console/cases?lang=zh").text


def test_audit_page_is_for_admins_only(site: BackendServer) -> None:
    assert officer(site).get("/console/audit").status == 403
    admin = Client(site.url)
    admin.login("boss")
    assert admin.get("/console/audit").status == 200


def test_officer_nav_shows_the_case_pages(site: BackendServer) -> None:
    page = officer(site).get("/console/cases?lang=en").text
    assert 'href="/console/cases">Cases</a>' in page and 'href="/console/watchlist">Watchlist</a>' in page
    assert 'href="/console/audit"' not in page and 'href="/console/kb"' not in page
    admin = Client(site.url)
    admin.login("boss")
    assert 'href="/console/cases">Cases</a>' in admin.get("/console/kb?lang=en").text  # on every console page
    zh = admin.get("/console/cases?lang=zh").text
    assert ">审计日志</a>" in zh and ">办件</a>" in zh and 'href="/console/kb"' in zh


# --- list: scoping and filters ------------------------------------------------------------------
def test_each_department_sees_its_items_and_admin_sees_all(site: BackendServer) -> None:
    card = submit(site, ["e_social_security_card"])  # hrss
    insurance = submit(site, ["social_insurance"])  # hrss + medical_insurance
    residence = submit(
        site,
        ["residence_permit_change"],
        extra={
            "passport_expiry": (date.today() + timedelta(days=5 * 365)).isoformat(),
            "address_in_china": "88 Wusi Road, Gulou District, Fuzhou",
            "employer_name": "Fuzhou Example Technology Co. Ltd.",
            "employer_uscc": uscc(5),
            "employer_contact": "Li Ming, 0591-87654321",
            "position": "Engineer",
        },
    )  # exit_entry
    hrss = numbers_listed(officer(site).get("/console/cases").text)
    assert {card, insurance} <= hrss and residence not in hrss
    exit_page = officer(site, "exit_officer").get("/console/cases").text
    assert residence in numbers_listed(exit_page) and not {card, insurance} & numbers_listed(exit_page)
    assert "Items of your department (Public security exit-entry administration)" in exit_page
    admin = Client(site.url)
    admin.login("boss")
    assert {card, insurance, residence} <= numbers_listed(admin.get("/console/cases").text)
    loose = officer(site, "loose_officer").get("/console/cases").text
    assert not {card, insurance, residence} & numbers_listed(loose)
    assert "Your account has no department" in loose
    # Another department's case is not disclosed on its own page either.
    assert officer(site, "exit_officer").get(f"/console/cases/{card}").status == 404


def test_filters_by_state_test_flag_and_number(site: BackendServer) -> None:
    real = submit(site, ["e_social_security_card"])
    test_case = submit(site, ["e_social_security_card"], test=True)
    client = officer(site)
    assert {real, test_case} <= numbers_listed(client.get("/console/cases").text)
    only_test = numbers_listed(client.get("/console/cases?kind=test").text)
    assert test_case in only_test and real not in only_test
    only_real = numbers_listed(client.get("/console/cases?kind=real").text)
    assert real in only_real and test_case not in only_real
    found = client.get(f"/console/cases?q={real.lower()}")
    assert numbers_listed(found.text) == {real}
    ids = item_ids(client.get(f"/console/cases/{real}").text)
    assert (
        post(
            client,
            f"/console/cases/{real}/items/{ids['hrss']}/state",
            {"new_state": "under_review", "note": ""},
        ).status
        == 302
    )
    reviewing = numbers_listed(client.get("/console/cases?state=under_review").text)
    assert real in reviewing and test_case not in reviewing
    assert real not in numbers_listed(client.get("/console/cases?state=received").text)
    # Unknown filter values are ignored, hostile search text is shown as text.
    page = client.get("/console/cases?state=bogus&kind=x&q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert (
        page.status == 200 and "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text
    )
    zh = client.get("/console/cases?lang=zh&state=under_review").text
    assert "审查中" in zh and "办件编号" in zh


# --- detail: masking, reveal, audit ------------------------------------------------------------
def test_detail_is_masked_and_reveal_is_audited(site: BackendServer) -> None:
    number_ = passport()
    case = submit(site, ["e_social_security_card"], number_)
    client = officer(site)
    views_before = len(audit_rows(site, "view"))
    page = client.get(f"/console/cases/{case}")
    assert page.status == 200
    assert number_ not in page.text and "13812345678" not in page.text and "1990-05-17" not in page.text
    assert "138****5678" in page.text and "Schmidt" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert len(audit_rows(site, "view")) == views_before + 1
    # No CSRF token: refused, nothing revealed, nothing audited.
    reveals_before = len(audit_rows(site, "reveal"))
    refused = client.post_form(f"/console/cases/{case}/reveal", {})
    assert refused.status == 403 and number_ not in refused.text
    assert len(audit_rows(site, "reveal")) == reveals_before
    shown = post(client, f"/console/cases/{case}/reveal", {}, csrf_from=f"/console/cases/{case}")
    assert shown.status == 200
    assert number_ in shown.text and "13812345678" in shown.text and "17 May 1990" in shown.text
    assert "This view was recorded in the audit log." in shown.text
    rows = audit_rows(site, "reveal")
    assert len(rows) == reveals_before + 1
    assert rows[-1].actor == "hrss_officer" and rows[-1].detail["number"] == case
    assert number_ not in repr(rows[-1].detail)
    zh = client.get(f"/console/cases/{case}?lang=zh").text
    assert "个人信息已脱敏显示" in zh and "查看个人信息明文" in zh
    assert re.search(r'<tr data-field="gender"><th scope="row">性别</th><td class="value">女</td>', zh)


def test_hostile_answers_and_notes_are_shown_as_text(site: BackendServer) -> None:
    # The form refuses markup where a field's kind does not allow it; an address may hold anything.
    case = submit(
        site,
        ["social_insurance"],
        extra={"employer_name": "O'Brien & Co' OR '1' -- (x)", "address_in_china": HOSTILE},
    )
    client = officer(site)
    ids = item_ids(client.get(f"/console/cases/{case}").text)
    response = post(
        client,
        f"/console/cases/{case}/items/{ids['hrss']}/state",
        {"new_state": "under_review", "note": HOSTILE},
    )
    assert response.status == 302
    escaped = str(escape(HOSTILE))
    for page in (
        client.get(f"/console/cases/{case}").text,
        post(client, f"/console/cases/{case}/reveal", {}, csrf_from=f"/console/cases/{case}").text,
    ):
        assert "<script>window.pwned" not in page
        assert escaped in page  # the note (and, revealed, the address)
        assert "O&#39;Brien &amp; Co&#39; OR &#39;1&#39; -- (x)" in page
    assert page.count(escaped) == 2
    admin = Client(site.url)
    admin.login("boss")
    assert case in numbers_listed(admin.get("/console/cases").text)  # the tables are still there


# --- state changes ------------------------------------------------------------------------------
def test_state_change_with_note_writes_timeline_and_audit(site: BackendServer) -> None:
    case = submit(site, ["e_social_security_card"])
    client = officer(site)
    page = client.get(f"/console/cases/{case}").text
    item = item_ids(page)["hrss"]
    assert re.search(r'<select name="new_state"[^>]*>\s*<option value="under_review"', page)
    assert 'value="approved"' not in page  # only the allowed transitions are offered
    note = "We check your passport copy this week."
    response = post(
        client, f"/console/cases/{case}/items/{item}/state", {"new_state": "under_review", "note": note}
    )
    assert response.status == 302 and response.headers["Location"].startswith(
        f"/console/cases/{case}?done=state"
    )
    page = client.get(response.headers["Location"].split("#")[0]).text
    assert "The state is now: Under review." in page
    assert note in page and "by hrss_officer" in page
    with site.app.ctx.session_factory() as session:
        events = list(
            session.execute(
                select(CaseEvent).where(CaseEvent.case_item_id == item).order_by(CaseEvent.id)
            ).scalars()
        )
    assert [e.state for e in events] == ["received", "under_review"]
    assert events[-1].note == note and events[-1].actor == "hrss_officer"
    change = audit_rows(site, "state_change")[-1]
    assert (
        change.actor == "hrss_officer"
        and change.detail["from"] == "received"
        and change.detail["to"] == "under_review"
    )
    # A note is needed to ask for a supplement.
    refused = post(
        client, f"/console/cases/{case}/items/{item}/state", {"new_state": "supplement_requested", "note": ""}
    )
    assert refused.status == 400
    assert "Write a note for the applicant" in refused.text
    zh = post(
        client,
        f"/console/cases/{case}/items/{item}/state?lang=zh",
        {"new_state": "supplement_requested", "note": ""},
    )
    assert "请为申请人填写备注" in zh.text


def test_disallowed_transition_is_refused_with_a_message(site: BackendServer) -> None:
    case = submit(site, ["e_social_security_card"])
    client = officer(site)
    item = item_ids(client.get(f"/console/cases/{case}").text)["hrss"]
    changes_before = len(audit_rows(site, "state_change"))
    refused = post(
        client, f"/console/cases/{case}/items/{item}/state", {"new_state": "approved", "note": "ok"}
    )
    assert refused.status == 409
    assert 'An item that is "Received" cannot become "Approved".' in html.unescape(refused.text)
    zh = post(
        client, f"/console/cases/{case}/items/{item}/state?lang=zh", {"new_state": "completed", "note": ""}
    )
    assert zh.status == 409 and "处于“已接收”状态的事项不能改为“已办结”。" in zh.text
    assert len(audit_rows(site, "state_change")) == changes_before
    # Without a CSRF token nothing changes.
    assert (
        client.post_form(f"/console/cases/{case}/items/{item}/state", {"new_state": "under_review"}).status
        == 403
    )
    assert 'data-state="received"' in client.get(f"/console/cases/{case}").text


def test_officer_cannot_change_another_departments_item(site: BackendServer) -> None:
    case = submit(site, ["social_insurance"])
    client = officer(site)
    page = client.get(f"/console/cases/{case}").text
    ids = item_ids(page)
    assert "This item belongs to another department" in page
    refused = post(
        client,
        f"/console/cases/{case}/items/{ids['medical_insurance']}/state",
        {"new_state": "under_review", "note": ""},
    )
    assert refused.status == 403
    with site.app.ctx.session_factory() as session:
        states = [
            e.state
            for e in session.execute(
                select(CaseEvent).where(CaseEvent.case_item_id == ids["medical_insurance"])
            ).scalars()
        ]
    assert states == ["received"]


# --- test cases ---------------------------------------------------------------------------------
def test_marking_a_test_case_excludes_it_from_statistics(site: BackendServer) -> None:
    case = submit(site, ["e_social_security_card"])

    def total() -> int:
        with site.app.ctx.session_factory() as session:
            return CaseService(session, site.app.ctx.crypto, site.app.ctx.settings).statistics()[
                "total_cases"
            ]

    before = total()
    client = officer(site)
    response = post(client, f"/console/cases/{case}/test", {"test": "1"})
    assert response.status == 302
    page = client.get(response.headers["Location"]).text
    assert "The case is now marked as a test case." in page and 'id="test-badge"' in page
    assert total() == before - 1
    assert case in numbers_listed(client.get("/console/cases?kind=test").text)
    assert audit_rows(site, "mark_test")[-1].detail == {"number": case, "is_test": True}
    post(client, f"/console/cases/{case}/test", {"test": "0"})
    assert total() == before


# --- watchlist and joint review -------------------------------------------------------------------
def test_watchlist_stores_no_raw_passport_number(site: BackendServer) -> None:
    raw = "X" + "".join(secrets.choice("0123456789") for _ in range(8))
    client = officer(site)
    response = post(
        client,
        "/console/watchlist",
        {"passport_number": raw.lower(), "reason": "Forged <b>stamp</b>"},
        csrf_from="/console/watchlist",
    )
    assert response.status == 302
    page = client.get(response.headers["Location"]).text
    assert "The passport number was added to the list" in page
    assert raw not in page and raw.lower() not in page
    assert "Forged &lt;b&gt;stamp&lt;/b&gt;" in page
    everything = all_database_text(site)
    assert raw not in everything and raw.lower() not in everything
    with site.app.ctx.session_factory() as session:
        entry = session.execute(select(WatchlistEntry).order_by(WatchlistEntry.id.desc())).scalars().first()
    assert entry.passport_hash == site.app.ctx.crypto.passport_hash(raw)
    assert audit_rows(site, "watchlist_add")[-1].actor == "hrss_officer"
    # The same number again, and a malformed one: a message, and the number is not echoed.
    again = post(
        client, "/console/watchlist", {"passport_number": raw, "reason": ""}, csrf_from="/console/watchlist"
    )
    assert again.status == 409 and raw not in again.text
    bad = post(
        client,
        "/console/watchlist?lang=zh",
        {"passport_number": "<x>", "reason": ""},
        csrf_from="/console/watchlist",
    )
    assert bad.status == 400 and "<x>" not in bad.text
    # Remove it.
    assert client.post_form(f"/console/watchlist/{entry.id}/remove", {}).status == 403  # no CSRF
    removed = post(client, f"/console/watchlist/{entry.id}/remove", {}, csrf_from="/console/watchlist")
    assert removed.status == 302
    page = client.get(removed.headers["Location"] + "&lang=zh").text
    assert "条目已从名单中移除。" in page and f'data-entry-id="{entry.id}"' not in page
    assert audit_rows(site, "watchlist_remove")[-1].detail == {"entry_id": entry.id}


def test_joint_review_is_visible_to_all_and_released_by_an_officer(site: BackendServer) -> None:
    raw = passport()
    post(
        officer(site, "exit_officer"),
        "/console/watchlist",
        {"passport_number": raw, "reason": "check"},
        csrf_from="/console/watchlist",
    )
    case = submit(site, ["e_social_security_card"], raw)
    # hrss only, but every department (and an officer without one) sees a joint review.
    exit_client = officer(site, "exit_officer")
    assert case in numbers_listed(exit_client.get("/console/cases").text)
    assert case in numbers_listed(officer(site, "loose_officer").get("/console/cases").text)
    page = exit_client.get(f"/console/cases/{case}").text
    assert 'id="joint-review"' in page and "Release the joint review" in page
    watch = exit_client.get("/console/watchlist").text
    assert f'<tr data-case="{case}">' in watch
    # Held: the department cannot move it yet.
    hrss = officer(site)
    item = item_ids(hrss.get(f"/console/cases/{case}").text)["hrss"]
    held = post(hrss, f"/console/cases/{case}/items/{item}/state", {"new_state": "under_review", "note": ""})
    assert held.status == 409 and "held for a joint review" in held.text
    # The applicant's status page does not disclose the hold.
    status = status_check(Client(site.url), case, raw)
    assert status.status == 200 and "Joint review" not in status.text and "Submitted" in status.text
    released = post(
        exit_client,
        "/console/watchlist/release",
        {"number": case, "note": "cleared"},
        csrf_from="/console/watchlist",
    )
    assert released.status == 302
    assert f"The joint review of {case} was released." in exit_client.get(released.headers["Location"]).text
    assert audit_rows(site, "joint_review_release")[-1].actor == "exit_officer"
    assert case not in numbers_listed(exit_client.get("/console/cases").text)
    moved = post(hrss, f"/console/cases/{case}/items/{item}/state", {"new_state": "under_review", "note": ""})
    assert moved.status == 302
    # Released: no longer a joint review, so no longer the exit-entry officer's case at all.
    again = post(exit_client, "/console/watchlist/release", {"number": case}, csrf_from="/console/watchlist")
    assert again.status == 404
    again = post(hrss, "/console/watchlist/release", {"number": case}, csrf_from="/console/watchlist")
    assert again.status == 409 and "not held for a joint review" in again.text


# --- audit page --------------------------------------------------------------------------------
def test_audit_page_lists_pages_and_filters(site: BackendServer) -> None:
    case = submit(site, ["e_social_security_card"])
    client = officer(site)
    for _ in range(55):
        client.get(f"/console/cases/{case}")
    admin = Client(site.url)
    admin.login("boss")
    first = admin.get(f"/console/audit?case={case}")
    assert first.status == 200
    assert "Page 1 of 2 (55 records)" in first.text
    assert first.text.count('<tr data-action="view">') == 50
    assert "hrss_officer" in first.text and 'rel="next"' in first.text
    second = admin.get(f"/console/audit?case={case}&page=2&lang=zh")
    assert "第 2 / 2 页（共 55 条）" in second.text and second.text.count('<tr data-action="view">') == 5
    assert "查看" in second.text
    reveal = admin.get("/console/audit?action=reveal&lang=en").text
    assert '<tr data-action="view">' not in reveal
    nobody = admin.get("/console/audit?case=FJ2099999999")
    assert "No audit record matches." in nobody.text


# --- public /status -----------------------------------------------------------------------------
def status_check(client: Client, number: str, passport_number: str, lang: str = "") -> Any:
    page = client.get("/status" + (f"?lang={lang}" if lang else ""))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post_form(
        "/status" + (f"?lang={lang}" if lang else ""),
        {"csrf_token": token, "case_number": number, "passport_number": passport_number},
    )


def test_status_page_shows_the_timeline_in_both_languages(site: BackendServer) -> None:
    raw = passport()
    case = submit(site, ["social_insurance"], raw)
    client = officer(site)
    item = item_ids(client.get(f"/console/cases/{case}").text)["hrss"]
    post(
        client,
        f"/console/cases/{case}/items/{item}/state",
        {"new_state": "under_review", "note": "Checking <now>"},
    )
    visitor = Client(site.url)
    form = visitor.get("/status?lang=en")
    assert form.status == 200 and "Enter your case number and the full passport number" in form.text
    assert "请输入办件编号" in visitor.get("/status?lang=zh").text
    assert status_check(visitor, case, raw[-4:], "en").status == 400  # the last four are not enough
    en = status_check(visitor, case.lower(), raw.lower(), "en")
    assert en.status == 200
    assert f"Case {case}" in en.text and "Current state: Under review" in en.text
    assert (
        "Human resources and social security department" in en.text and "Medical insurance bureau" in en.text
    )
    assert "Checking &lt;now&gt;" in en.text and raw not in en.text
    assert en.headers["Cache-Control"] == "no-store"
    zh = status_check(visitor, case, raw, "zh")
    assert zh.status == 200 and "当前状态：审查中" in zh.text and "人力资源和社会保障部门" in zh.text
    assert audit_rows(site, "status_view")[-1].detail["number"] == case


def test_status_page_wrong_and_unknown_look_the_same_then_lock(site: BackendServer) -> None:
    raw = passport()
    case = submit(site, ["e_social_security_card"], raw)
    wrong_last4 = "X00000000"  # a wrong passport number
    visitor = Client(site.url)
    unknown_number = case[:-6] + "999999"
    wrong = status_check(visitor, case, wrong_last4, "en")
    unknown = status_check(visitor, unknown_number, wrong_last4, "en")
    assert wrong.status == unknown.status == 403

    def message(page: Any) -> str:
        return re.search(r'<p class="error"[^>]*>(.*?)</p>', page.text, re.S).group(1)

    assert message(wrong) == message(unknown)
    assert "You have 2 more attempts" in message(wrong)
    zh = status_check(visitor, case, wrong_last4, "zh")
    assert zh.status == 403 and "再输错 1 次" in message(zh)
    locked = status_check(visitor, case, wrong_last4, "en")
    assert locked.status == 423 and "Try again in 15 minutes" in message(locked)
    assert int(locked.headers["Retry-After"]) > 800
    # Locked: even the right answer is refused, in both languages; other numbers are not locked.
    right = status_check(visitor, case, raw, "zh")
    assert right.status == 423 and "15 分钟后再试" in message(right)
    assert status_check(visitor, unknown_number, wrong_last4).status == 403


def test_status_page_shares_the_api_lockout_per_case_number(site: BackendServer) -> None:
    raw = passport()
    case = submit(site, ["e_social_security_card"], raw)
    wrong_last4 = "X00000000"  # a wrong passport number
    visitor = Client(site.url)
    assert status_check(visitor, case, wrong_last4).status == 403
    assert status_check(visitor, case, wrong_last4).status == 403
    api = Client(site.url).post_json("/api/v1/status", {"case_number": case, "passport_number": wrong_last4})
    assert api.status == 423
    assert status_check(visitor, case, raw).status == 423
    assert status_check(Client(site.url), case, raw).status == 423  # another visitor too
    # The officers see the lock on the case page, and the audit log has it.
    page = officer(site).get(f"/console/cases/{case}")
    assert 'id="status-locked"' in page.text and "someone may be guessing" in page.text
    assert audit_rows(site, "status_locked")[-1].detail["number"] == case


def test_status_page_refuses_a_form_without_its_token_and_explains_bad_input(site: BackendServer) -> None:
    visitor = Client(site.url)
    refused = visitor.post_form("/status", {"case_number": "FJ2026000001", "passport_number": "E12341234"})
    assert refused.status == 403 and "The form has expired" in refused.text
    empty = status_check(visitor, "", "")
    assert empty.status == 400 and "Enter both the case number" in empty.text
    malformed = status_check(visitor, "<script>", "12")
    assert malformed.status == 400 and "<script>" not in malformed.text


def test_the_console_home_takes_each_role_to_its_own_console(site: BackendServer) -> None:
    assert officer(site).get("/console/").headers["Location"] == "/console/cases"
    editor = Client(site.url)
    editor.login("editor")
    assert editor.get("/console/").headers["Location"] == "/console/kb"
    assert Client(site.url).get("/console/").headers["Location"] == "/console/login"


def test_a_shared_case_shows_each_department_only_the_fields_its_items_need(site: BackendServer) -> None:
    contact = "Wang Fang, 0591-11223344"
    number = submit(
        site,
        ["e_social_security_card", "residence_permit_change"],  # hrss + exit_entry
        extra={
            "passport_expiry": (date.today() + timedelta(days=5 * 365)).isoformat(),
            "address_in_china": "88 Wusi Road, Gulou District, Fuzhou",
            "employer_name": "Fuzhou Example Technology Co. Ltd.",
            "employer_uscc": uscc(7),
            "employer_contact": contact,
            "position": "Engineer",
        },
    )
    hrss, exit_entry = officer(site), officer(site, "exit_officer")
    assert contact not in html.unescape(hrss.get(f"/console/cases/{number}").text)
    assert contact in html.unescape(exit_entry.get(f"/console/cases/{number}").text)
    assert "Schmidt" in html.unescape(hrss.get(f"/console/cases/{number}").text)  # its own fields stay
    revealed = post(hrss, f"/console/cases/{number}/reveal", {}, csrf_from=f"/console/cases/{number}")
    assert contact not in html.unescape(revealed.text)
    # the officers' API: the same scope
    api = hrss.get(f"/api/v1/cases/{number}")
    assert api.status == 200, api.text
    masked = api.json()["case"]["answers_masked"]
    assert "employer_contact" not in masked and "position" not in masked and "surname" in masked
    assert "employer_contact" in exit_entry.get(f"/api/v1/cases/{number}").json()["case"]["answers_masked"]
