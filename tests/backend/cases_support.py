"""Shared by the case tests: valid answers, officers with a login, a raw database search."""

from __future__ import annotations

import hashlib
import json
import socket
from datetime import date, timedelta
from typing import Any, Iterable

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from backend.models import LoginSession
from backend.services.cases import china_today
from backend.services.staff import StaffService
from knowledge.application import catalogue
from tests.backend.conftest import PASSWORD, BackendServer, Client

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
ALL_ITEMS = [
    "work_permit_new",
    "residence_permit_new",
    "social_insurance",
    "professional_title",
    "e_social_security_card",
]
PASSPORT = "E12345678"
PHONE = "13812345678"
EMAIL = "anna.schmidt@example.com"
BIRTH = "1990-05-12"
SPOUSE_BIRTH = "1991-03-02"
# Every raw sensitive value of VALID (and recognisable pieces of it).
RAW_VALUES = (
    PASSPORT,
    "12345678",
    PHONE,
    "38123456",
    EMAIL,
    "anna.schmidt@",
    BIRTH,
    SPOUSE_BIRTH,
    "156320240012345678",
)


def closed_port_url() -> str:
    """An address where nothing listens (Rasa is "down" unless a test starts a fake one)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def valid_answers(today: date | None = None) -> dict[str, Any]:
    """A valid answer for every field of the form (dates relative to today)."""
    today = today or china_today()
    return {
        "surname": "Schmidt",
        "given_names": "Anna Maria",
        "chinese_name": "施安娜",
        "gender": "female",
        "date_of_birth": BIRTH,
        "nationality": "DE",
        "passport_number": PASSPORT,
        "passport_expiry": (today + timedelta(days=1000)).isoformat(),
        "email": EMAIL,
        "phone": PHONE,
        "address_in_china": "Room 1203, Building 5, 88 Wusi Road, Gulou District, Fuzhou",
        "date_of_entry": (today - timedelta(days=30)).isoformat(),
        "current_work_permit_number": "156320240012345678",
        "employer_name": "Fuzhou Example Technology Co. Ltd.",
        "employer_uscc": "91350100M000100Y43",
        "employer_contact": "Li Ming, 0591-87654321",
        "position": "Senior Software Engineer",
        "work_city": "Xiamen",
        "contract_start": (today + timedelta(days=30)).isoformat(),
        "contract_end": (today + timedelta(days=760)).isoformat(),
        "annual_salary_cny": 350000,
        "highest_degree": "master",
        "institution": "Technical University of Munich",
        "graduation_year": 2015,
        "relevant_experience_years": 6,
        "family_members": [
            {"relation": "spouse", "name": "Anna Schmidt", "nationality": "DE", "date_of_birth": SPOUSE_BIRTH}
        ],
    }


def answers_for(items: Iterable[str], role: str = "worker", **overrides: Any) -> dict[str, Any]:
    values = {**valid_answers(), **overrides}
    return {key: values[key] for key in catalogue().fields_for(list(items), role)}


def case_body(items: Iterable[str] = ("work_permit_new",), **extra: Any) -> dict[str, Any]:
    items = list(items)
    return {"items": items, "role": "worker", "answers": answers_for(items), "language": "en", **extra}


def ensure_officer(
    backend: BackendServer, username: str, department: str | None, role: str = "officer"
) -> None:
    with backend.app.ctx.session_factory() as session:
        staff = StaffService(session)
        if staff.find(username) is None:
            staff.create_user(username, PASSWORD, role, department=department)


class StaffClient(Client):
    """A logged-in staff client that sends its session's CSRF token with every API write."""

    def __init__(self, backend: BackendServer, username: str) -> None:
        super().__init__(backend.url)
        response = self.login(username)
        assert response.status == 302, response.text
        cookie = next(c.value for c in self.jar if c.name == "kb_session")
        with backend.app.ctx.session_factory() as session:
            login = session.execute(
                select(LoginSession).where(
                    LoginSession.token_hash == hashlib.sha256(cookie.encode()).hexdigest()
                )
            ).scalar_one()
            self.csrf_token = login.csrf_token

    def post_json(
        self, path: str, data: Any, *, token: str | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        return super().post_json(
            path, data, token=token, headers={"X-CSRF-Token": self.csrf_token, **(headers or {})}
        )


def officer(
    backend: BackendServer, username: str, department: str | None, role: str = "officer"
) -> StaffClient:
    ensure_officer(backend, username, department, role)
    return StaffClient(backend, username)


def put_json(
    client: Client, path: str, data: Any, *, raw: bytes | None = None, headers: dict[str, str] | None = None
) -> Any:
    from tests.backend.conftest import SERVICE_TOKEN

    body = raw if raw is not None else json.dumps(data).encode("utf-8")
    return client.request(
        "PUT",
        path,
        body=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {SERVICE_TOKEN}",
            **(headers or {}),
        },
    )


def service_request(client: Client, method: str, path: str, **kwargs: Any) -> Any:
    from tests.backend.conftest import SERVICE_TOKEN

    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", **kwargs.pop("headers", {})}
    return client.request(method, path, headers=headers, **kwargs)


def database_dump(engine: Engine) -> dict[str, list[str]]:
    """Every table's every row, each column value as text (the raw stored form)."""
    dump: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).fetchall()
            dump[table] = [str(value) for row in rows for value in row]
    return dump


def raw_hits(engine: Engine, needles: Iterable[str] = RAW_VALUES) -> list[tuple[str, str]]:
    """(table, needle) for every raw value found anywhere in the database."""
    hits = []
    for table, values in database_dump(engine).items():
        for needle in needles:
            if any(needle in value for value in values):
                hits.append((table, needle))
    return hits


def detail_fields(response: Any) -> dict[str, dict[str, str]]:
    error = response.json()["error"]
    return {d.get("field", ""): d for d in error.get("details", [])}
