"""security.logs: Rasa's log events never carry a message body (issue #17)."""

from __future__ import annotations

import argparse
import logging

import pytest
import rasa.utils.log_utils as log_utils
import structlog

import security.logs
from rasa_ext import launcher


@pytest.fixture
def rasa_logging():
    stock, tracebacks = log_utils._anonymizer, structlog.processors.dict_tracebacks
    yield
    log_utils._anonymizer, structlog.processors.dict_tracebacks = stock, tracebacks
    structlog.reset_defaults()


def _handle(text: object) -> None:
    text.strip()  # type: ignore[attr-defined]  # fails for a JSON number, as Rasa's pipeline does


def _rasa_log_line(caplog) -> str:
    """What Rasa's own structlog configuration writes for a failed message (JSON numbers too)."""
    log_utils.configure_structlog(logging.INFO)
    log = structlog.get_logger()
    try:
        _handle(13812345678)
    except AttributeError:
        log.exception("rest.message.received.failure", text=13812345678)  # Rasa's REST channel
    log.error("rest.message.received.timeout", text="my passport is E 8765 4321")
    log.info("processor.slots.log", slot_values="surname: Schmidt")
    return caplog.text


def test_rasa_alone_logs_the_body(rasa_logging, caplog):
    line = _rasa_log_line(caplog)
    assert line.count("13812345678") >= 2  # the text, and the traceback's local variable


def test_the_launchers_hook_takes_bodies_out_of_rasas_log(rasa_logging, caplog):
    launcher.Plugin().configure_commandline(argparse.Namespace())  # as `python -m rasa_ext run` does
    line = _rasa_log_line(caplog)
    assert "rest.message.received.failure" in line and security.logs.NOT_LOGGED in line
    assert "AttributeError" in line and "_handle" in line  # the failure itself stays visible
    for secret in ("13812345678", "8765 4321", "Schmidt"):
        assert secret not in line
