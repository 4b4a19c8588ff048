"""The callback handler as a Django view (extra `smsc[django]`).

# urls.py
from smsc.callbacks import Receiver, Verifier
from smsc.callbacks.django import callback_view

urlpatterns = [path("smsc/callback", callback_view(Receiver(on_event, verifier=Verifier(secret="..."))))]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smsc.callbacks._receiver import CallbackResponse, Receiver
from smsc.callbacks._request import CallbackRequest


def callback_view(receiver: Receiver) -> Callable[[Any], Any]:
    """A Django view (CSRF-exempt: the service sends no token) answering with `receiver`."""
    from django.http import HttpResponse
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt  # type: ignore[untyped-decorator]
    def view(request: Any) -> Any:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > receiver.max_body:
            response = CallbackResponse(413, "request too large")
        else:
            response = receiver.handle(
                CallbackRequest(
                    method=request.method,
                    query=request.META.get("QUERY_STRING", ""),
                    body=request.body,
                    headers=dict(request.headers),
                    remote=request.META.get("REMOTE_ADDR"),
                )
            )
        return HttpResponse(response.body, status=response.status, content_type=response.content_type)

    return view  # type: ignore[no-any-return]
