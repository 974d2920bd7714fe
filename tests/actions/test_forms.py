"""The form base (actions/forms/): the settings file and the shared decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from actions.forms import settings as form_settings
from actions.forms.base import Latest, is_elsewhere, is_other_request, offer, record_failure

FORMS = ("eligibility_form", "application_form", "status_form")


def test_every_form_has_its_settings() -> None:
    loaded = form_settings.settings()
    assert set(FORMS) <= set(loaded.forms)
    assert "delete_my_data" in loaded.forms["application_form"].only_when_sure


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"confidence": 2}, "confidence"),
        ({"only_when_sure": ["nope"]}, "only_when_sure"),
        ({"elsewhere": ["stop"]}, "elsewhere"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_settings_file_is_refused(tmp_path: Path, change: dict, problem: str) -> None:
    data = yaml.safe_load(form_settings.SETTINGS_FILE.read_text(encoding="utf-8"))
    data["forms"]["status_form"].update(change)
    path = tmp_path / "forms.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match=problem):
        form_settings.load(path)


def test_unknown_form_names_the_file() -> None:
    with pytest.raises(KeyError, match="forms.yml"):
        form_settings.form_settings("nope_form")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("text", ["please stop", "let's pause here", "算了", "先暂停一下"])
def test_an_unsure_stop_with_a_stop_word_is_a_stop_in_every_form(form: str, text: str) -> None:
    assert is_other_request(form, Latest(text, "stop", 0.3))
    assert not is_other_request(form, Latest("old enough", "stop", 0.3))


def test_only_when_sure_requests_stay_answers_when_unsure() -> None:
    unsure_delete = Latest("delete", "delete_my_data", 0.4)
    unsure_staff = Latest("someone", "request_human", 0.4)
    assert not is_other_request("application_form", unsure_delete, sure=False)
    assert is_other_request("application_form", unsure_staff, sure=False)
    assert not is_other_request("application_form", unsure_staff)
    assert is_other_request("application_form", Latest("/delete_my_data", "delete_my_data", 0.1))
    # the eligibility form has no deletion request at all
    assert not is_other_request("eligibility_form", Latest("/delete_my_data", "delete_my_data", 1.0))


def test_elsewhere_and_failures_follow_the_settings() -> None:
    assert is_elsewhere("application_form", Latest("what is a work permit?", "ask_policy", 0.9))
    assert not is_elsewhere("eligibility_form", Latest("what is a work permit?", "ask_policy", 0.9))
    failures: dict = {}
    offers = [offer("application_form", record_failure(failures, "phone")) for _ in range(3)]
    assert offers == ["explain", "help", "person"] and failures == {"phone": 3}
    assert offer("eligibility_form", 5) == "explain"  # no help_after: no counting


def test_a_form_without_settings_fails_when_the_action_is_created() -> None:
    from actions.forms.action import FormBase

    class Unknown(FormBase):
        form = "unknown_form"

        def name(self) -> str:
            return "validate_unknown_form"

    with pytest.raises(KeyError, match="unknown_form"):
        Unknown()


def test_the_form_base_is_abstract_and_every_form_extends_it() -> None:
    import inspect

    from actions.application import ValidateApplicationForm
    from actions.eligibility import ValidateEligibilityForm
    from actions.forms.action import FormBase
    from actions.status import ValidateStatusForm

    assert inspect.isabstract(FormBase)  # rasa-sdk registers only concrete actions
    forms = {cls().form for cls in (ValidateEligibilityForm, ValidateApplicationForm, ValidateStatusForm)}
    assert forms == set(FORMS)


# Issue 12: a destructive intent inside a form needs its button or a whole-message command.
import pytest  # noqa: E402

from actions.forms.base import Latest as _Latest  # noqa: E402
from actions.forms.base import is_other_request as _is_other_request  # noqa: E402


@pytest.mark.parametrize("form", ["application_form", "status_form"])
@pytest.mark.parametrize(
    "text", ["Data analyst", "DATA ANALYST", "data analyst", "数据分析师", "my data is safe?"]
)
def test_a_job_title_read_as_delete_my_data_stays_an_answer(form: str, text: str) -> None:
    said = _Latest(text, "delete_my_data", 0.99)
    assert not _is_other_request(form, said)
    assert not _is_other_request(form, said, sure=False)


@pytest.mark.parametrize(
    "text", ["/delete_my_data", "delete my data", "Delete my data, please.", "删除我的数据", "请删除我的数据"]
)
def test_an_explicit_delete_command_is_still_taken_in_a_form(text: str) -> None:
    assert _is_other_request("application_form", _Latest(text, "delete_my_data", 0.9))
