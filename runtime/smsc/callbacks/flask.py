"""The callback handler as a Flask view or blueprint (extra `smsc[flask]`).

from smsc.callbacks.flask import callback_blueprint

app.register_blueprint(callback_blueprint(Receiver(on_event, verifier=Verifier(secret="...")),
                                          url="/smsc/callback"))
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request

from smsc.callbacks._receiver import CallbackResponse, Receiver
from smsc.callbacks._request import CallbackRequest


def callback_view(receiver: Receiver) -> Callable[[], Response]:
    """A view function answering with `receiver`: `app.add_url_rule(url, view_func=..., methods=["GET", "POST"])`."""

    def view() -> Response:
        if (request.content_length or 0) > receiver.max_body:
            response = CallbackResponse(413, "request too large")
        else:
            response = receiver.handle(
                CallbackRequest(
                    method=request.method,
                    query=request.query_string,
                    body=request.get_data(cache=False),
                    headers=list(request.headers.items()),
                    remote=request.remote_addr,
                )
            )
        return Response(response.body, status=response.status, content_type=response.content_type)

    return view


def callback_blueprint(receiver: Receiver, *, url: str = "/smsc/callback", name: str = "smsc_callbacks") -> Blueprint:
    """A blueprint with the handler at `url` (GET and POST)."""
    blueprint = Blueprint(name, __name__)
    blueprint.add_url_rule(url, endpoint="callback", view_func=callback_view(receiver), methods=["GET", "POST"])
    return blueprint
