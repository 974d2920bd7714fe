"""One blueprint per resource."""

from backend.blueprints.cases import bp as cases
from backend.blueprints.chat import bp as chat
from backend.blueprints.console_cases import bp as console_cases
from backend.blueprints.console_helpdesk import bp as console_helpdesk
from backend.blueprints.console_kb import bp as console_kb
from backend.blueprints.console_ratings import bp as console_ratings
from backend.blueprints.console_sessions import bp as console_sessions
from backend.blueprints.console_watchlist import bp as console_watchlist
from backend.blueprints.drafts import bp as drafts
from backend.blueprints.eligibility import bp as eligibility
from backend.blueprints.faq import bp as faq
from backend.blueprints.faq_feedback import bp as faq_feedback
from backend.blueprints.handoffs import bp as handoffs
from backend.blueprints.health import bp as health
from backend.blueprints.notifications import bp as notifications
from backend.blueprints.openapi import bp as openapi
from backend.blueprints.ratings import bp as ratings
from backend.blueprints.region import bp as region
from backend.blueprints.statistics import bp as statistics
from backend.blueprints.status_api import bp as status_api
from backend.blueprints.status_page import bp as status_page

ALL_BLUEPRINTS = [
    health,
    chat,
    notifications,
    openapi,
    faq,
    faq_feedback,
    region,
    eligibility,
    drafts,
    cases,
    status_api,
    console_sessions,
    console_kb,
]
ALL_BLUEPRINTS += [console_cases, console_watchlist, status_page]
ALL_BLUEPRINTS += [statistics]
ALL_BLUEPRINTS += [ratings, console_ratings]
ALL_BLUEPRINTS += [handoffs, console_helpdesk]
