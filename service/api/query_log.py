"""What of a query the access log may keep: nothing by default, the text when the settings allow it,
never a phone number or an e-mail address, nothing at all of an input that is not a question."""

from __future__ import annotations

from fastapi import Request

from service.search.chatter import redact_personal_data
from service.settings import ServiceSettings


def remember_query(request: Request, settings: ServiceSettings, text: str) -> None:
    """Hand the query text to the access log, only when the settings allow logging it, and never
    with the phone numbers or e-mail addresses a caller may have typed."""
    if settings.log_queries:
        request.state.log_query = redact_personal_data(text)


def forget_query(request: Request) -> None:
    """Keep the query text out of the access log after all."""
    request.state.log_query = None
