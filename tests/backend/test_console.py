"""The policy staff console over a real socket: sign-in, roles, CSRF, editing, escaping."""

from __future__ import annotations

import re
from urllib.parse import quote

import yaml

from tests.backend.conftest import BackendServer, Client

ANSWER = "/api/v1/faq/answer"


def ask(client: Client, question: str, language: str = "en") -> dict:
    return client.post_json(ANSWER, {"question": question, "language": language}).json()


def edit_fields(client: Client, entry_id: str, **changes: str) -> dict[str, str]:
    """The edit form of an entry as the browser would send it, with `changes` applied."""
    page = client.get(f"/console/kb/{entry_id}/edit").text

    def value(name: str) -> str:
        m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
        return m.group(1) if m else ""

    def area(name: str) -> str:
        m = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
        return m.group(1) if m else ""

    import html

    fields = {
        "csrf_token": value("csrf_token"),
        "version": value("version"),
        "topic": html.unescape(value("topic")),
        "source": html.unescape(value("source")),
        "checked": value("checked"),
        "questions_en": html.unescape(area("questions_en")),
        "questions_zh": html.unescape(area("questions_zh")),
        "answer_en": html.unescape(area("answer_en")),
        "answer_zh": html.unescape(area("answer_zh")),
        "action": "save",
    }
    fields.update(changes)
    return fields


def test_console_needs_a_login(client: Client) -> None:
    response = client.get("/console/kb")
    assert response.status == 302
    assert response.headers["Location"].startswith("/console/login?next=")


def test_wrong_password_is_refused_with_a_message(client: Client) -> None:
    response = client.login("editor", "wrong password")
    assert response.status == 401
    assert "Wrong username or password." in response.text
    assert client.get("/console/kb").status == 302


def test_login_form_without_csrf_token_is_refused(client: Client) -> None:
    response = client.post_form("/console/login", {"username": "editor", "password": "correct horse battery"})
    assert response.status == 403


def test_session_cookie_is_httponly_and_samesite(client: Client) -> None:
    response = client.login("editor")
    assert response.status == 302
    cookie = [v for k, v in response.headers.items() if k.lower() == "set-cookie" and "kb_session=" in v][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_helpdesk_role_may_not_edit_the_knowledge_base(backend: BackendServer) -> None:
    helper = Client(backend.url)
    helper.login("helper")
    response = helper.get("/console/kb")
    assert response.status == 403
    assert "Your role does not allow this action." in response.text
    zh = helper.get("/console/kb?lang=zh")
    assert "您的角色无权执行此操作。" in zh.text


def test_form_post_without_csrf_token_changes_nothing(editor: Client) -> None:
    fields = edit_fields(editor, "t-rp-deadline", answer_en="Hacked.")
    fields.pop("csrf_token")
    response = editor.post_form("/console/kb/t-rp-deadline/edit", fields)
    assert response.status == 403
    forged = editor.post_form("/console/kb/t-rp-deadline/edit", {**fields, "csrf_token": "forged"})
    assert forged.status == 403
    assert "Hacked." not in editor.get("/console/kb/t-rp-deadline/edit").text


def test_console_speaks_both_languages(editor: Client) -> None:
    assert "Knowledge base" in editor.get("/console/kb?lang=en").text
    zh = editor.get("/console/kb?lang=zh")
    assert "知识库" in zh.text and "新建条目" in zh.text
    assert "知识库" in editor.get("/console/kb").text  # remembered in a cookie


def test_edit_changes_the_next_answer_without_restart(editor: Client, client: Client) -> None:
    question = "How many days after entry must I apply for the residence permit?"
    assert ask(client, question)["entry"]["answer"].startswith(
        "Apply for the work residence permit within 30 days"
    )
    new_text = "Apply within 30 days of entry, at the exit-entry office of your city."
    response = editor.post_form(
        "/console/kb/t-rp-deadline/edit", edit_fields(editor, "t-rp-deadline", answer_en=new_text)
    )
    assert response.status == 302, response.text
    assert ask(client, question)["entry"]["answer"] == new_text
    assert ask(client, "入境后多少天内要申请居留许可？", "zh")["entry"]["id"] == "t-rp-deadline"


def test_new_entry_cannot_be_published_with_one_language_missing(editor: Client, client: Client) -> None:
    fields = {
        "csrf_token": editor.csrf(),
        "id": "t-half",
        "topic": "work_permit",
        "source": "",
        "checked": "",
        "questions_en": "Can a spouse work on a dependant visa?",
        "questions_zh": "",
        "answer_en": "No, a spouse needs a work permit of their own.",
        "answer_zh": "",
        "action": "publish",
    }
    refused = editor.post_form("/console/kb/new", fields)
    assert refused.status == 422
    assert "both English and Chinese" in refused.text
    assert "Can a spouse work on a dependant visa?" in refused.text  # nothing typed is lost
    draft = editor.post_form("/console/kb/new", {**fields, "action": "draft"})
    assert draft.status == 302
    result = ask(client, "Can a spouse work on a dependant visa?")
    assert result["entry"] is None or result["entry"]["id"] != "t-half"  # drafts never answer


def test_script_in_an_entry_shows_as_text(editor: Client, client: Client) -> None:
    evil = "<script>alert('x')</script>"
    fields = {
        "csrf_token": editor.csrf(),
        "id": "t-escape",
        "topic": "general",
        "source": "https://example.org/?a=1&b=2",
        "checked": "2026-11-20",
        "questions_en": f"What about {evil} tags?",
        "questions_zh": f"{evil} 标签怎么办？",
        "answer_en": f"Shown as text: {evil}",
        "answer_zh": f"按文本显示：{evil}",
        "action": "publish",
    }
    assert editor.post_form("/console/kb/new", fields).status == 302
    for page in (
        editor.get("/console/kb?q=t-escape"),
        editor.get("/console/kb/t-escape/edit"),
        editor.get("/console/kb/preview?q=What+about+script+tags&language=en"),
        editor.get("/console/kb/t-escape/history"),
    ):
        assert page.status == 200
        assert evil not in page.text
        assert "&lt;script&gt;" in page.text
    result = ask(client, f"What about {evil} tags?")
    assert result["entry"]["answer"] == f"Shown as text: {evil}"  # JSON carries text; pages escape it


def test_preview_shows_which_entry_answers_and_its_score(editor: Client) -> None:
    page = editor.get("/console/kb/preview?q=How+much+does+the+work+permit+cost%3F&language=en")
    assert page.status == 200
    assert 'id="preview-verdict" data-entry-id="t-wp-fee"' in page.text
    assert re.search(r"<td>0\.\d{3}</td>", page.text)


def test_retired_entry_no_longer_answers(editor: Client, client: Client) -> None:
    question = "Lump-sum refund of social insurance when leaving the country"
    assert ask(client, question)["entry"]["id"] == "t-si-refund"
    version = re.search(
        r'name="version" value="(\d+)"', editor.get("/console/kb/t-si-refund/edit").text
    ).group(1)
    response = editor.post_form(
        "/console/kb/t-si-refund/status",
        {"csrf_token": editor.csrf(), "status": "retired", "version": version},
    )
    assert response.status == 302
    result = ask(client, question)
    assert result["entry"] is None or result["entry"]["id"] != "t-si-refund"
    assert all(c["id"] != "t-si-refund" for c in result["candidates"])
    editor.post_form("/console/kb/t-si-refund/status", {"csrf_token": editor.csrf(), "status": "published"})
    assert ask(client, question)["entry"]["id"] == "t-si-refund"


def test_history_shows_who_when_and_diff_and_rollback_restores(editor: Client, client: Client) -> None:
    question = "Is there a fee for the work permit?"
    original = ask(client, question)["entry"]["answer"]
    editor.post_form(
        "/console/kb/t-wp-fee/edit", edit_fields(editor, "t-wp-fee", answer_en="It costs 100 yuan.")
    )
    assert ask(client, question)["entry"]["answer"] == "It costs 100 yuan."
    history = editor.get("/console/kb/t-wp-fee/history")
    assert "edited by editor" in history.text
    assert '<span class="del">-  The work permit itself is free of charge.</span>' in history.text
    assert '<span class="add">+  It costs 100 yuan.</span>' in history.text
    first = re.search(r'name="to_version" value="1"', history.text)
    assert first
    current = re.search(r'name="version" value="(\d+)"', history.text).group(1)
    response = editor.post_form(
        "/console/kb/t-wp-fee/rollback", {"csrf_token": editor.csrf(), "to_version": "1", "version": current}
    )
    assert response.status == 302
    assert ask(client, question)["entry"]["answer"] == original
    assert "rolled back by editor" in editor.get("/console/kb/t-wp-fee/history").text


def test_two_editors_do_not_overwrite_each_other(backend: BackendServer, editor: Client) -> None:
    other = Client(backend.url)
    other.login("boss")
    mine = edit_fields(editor, "t-rp-deadline", answer_zh="入境后30日内申请。（编辑甲）")
    theirs = edit_fields(other, "t-rp-deadline", answer_zh="入境后30日内申请。（编辑乙）")
    assert editor.post_form("/console/kb/t-rp-deadline/edit", mine).status == 302
    conflict = other.post_form("/console/kb/t-rp-deadline/edit", theirs)
    assert conflict.status == 409
    assert "Someone else changed this entry" in conflict.text
    assert "（编辑乙）" in conflict.text  # the losing text is still in the form


def test_export_is_importable_yaml(editor: Client) -> None:
    response = editor.get("/console/kb/export")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = yaml.safe_load(response.text)
    ids = {e["id"] for e in data["entries"]}
    assert {"t-rp-deadline", "t-wp-fee", "t-si-refund"} <= ids


def test_logout_ends_the_session(backend: BackendServer) -> None:
    c = Client(backend.url)
    c.login("editor")
    assert c.get("/console/kb").status == 200
    assert c.post_form("/console/logout", {"csrf_token": c.csrf()}).status == 302
    assert c.get("/console/kb").status == 302


def _unanswered_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-key="([^"]*)" data-language="([^"]*)">', page)


def test_unanswered_questions_are_grouped_and_become_a_phrasing_in_one_click(
    editor: Client, client: Client
) -> None:
    question = "Is the permit for working gratis"
    first = ask(client, question)
    assert first["decision"] != "answer"
    ask(client, question.upper() + "??")  # the same question again: one group, asked twice
    page = editor.get("/console/kb/unanswered").text
    assert ("is the permit for working gratis", "en") in _unanswered_rows(page)
    row = page[page.index('data-key="is the permit for working gratis"') :]
    assert re.search(r"<td>2</td>", row[: row.index("</tr>")])
    response = editor.post_form(
        "/console/kb/unanswered/phrasing",
        {
            "csrf_token": editor.csrf("/console/kb/unanswered"),
            "key": "is the permit for working gratis",
            "language": "en",
            "entry_id": "t-wp-fee",
        },
    )
    assert response.status == 302
    assert ("is the permit for working gratis", "en") not in _unanswered_rows(
        editor.get("/console/kb/unanswered").text
    )
    after = ask(client, question)
    assert (after["decision"], after["entry"]["id"]) == ("answer", "t-wp-fee")
    history = editor.get("/console/kb/t-wp-fee/history").text
    assert "phrasing from an unanswered question" in history


def test_an_unanswered_question_can_start_a_new_entry_or_be_dismissed(editor: Client, client: Client) -> None:
    ask(client, "明天北京天气怎么样", "zh")
    key = "明天北京天气怎么样"
    form = editor.get(f"/console/kb/new?key={quote(key)}&language=zh").text
    assert re.search(r'<textarea name="questions_zh"[^>]*>明天北京天气怎么样', form)
    assert f'name="key" value="{key}"' in form
    response = editor.post_form(
        "/console/kb/unanswered/dismiss",
        {"csrf_token": editor.csrf("/console/kb/unanswered"), "key": key, "language": "zh"},
    )
    assert response.status == 302
    assert (key, "zh") not in _unanswered_rows(editor.get("/console/kb/unanswered").text)


def test_a_new_entry_made_from_an_unanswered_question_closes_its_group(
    editor: Client, client: Client
) -> None:
    key = "can my cat come with me"
    ask(client, "Can my cat come with me?")
    assert (key, "en") in _unanswered_rows(editor.get("/console/kb/unanswered").text)
    response = editor.post_form(
        "/console/kb/new",
        {
            "csrf_token": editor.csrf(f"/console/kb/new?key={quote(key)}&language=en"),
            "key": key,
            "language": "en",
            "id": "t-pets",
            "topic": "residence_permit",
            "questions_en": "Can my cat come with me?",
            "questions_zh": "",
            "answer_en": "Ask the customs office.",
            "answer_zh": "",
            "source": "",
            "checked": "",
            "action": "save",
        },
    )
    assert response.status == 302
    assert (key, "en") not in _unanswered_rows(editor.get("/console/kb/unanswered").text)
