"""One blueprint per resource."""
from backend.blueprints.chat import bp as chat
from backend.blueprints.console_kb import bp as console_kb
from backend.blueprints.console_sessions import bp as console_sessions
from backend.blueprints.eligibility import bp as eligibility
from backend.blueprints.faq import bp as faq
from backend.blueprints.faq_feedback import bp as faq_feedback
from backend.blueprints.health import bp as health
from backend.blueprints.openapi import bp as openapi
from backend.blueprints.region import bp as region

ALL_BLUEPRINTS = [health, chat, openapi, faq, faq_feedback, region, eligibility, console_sessions, console_kb]
