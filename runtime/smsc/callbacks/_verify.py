"""`Verifier`: is a callback really from the service? A signature over our contract, an allow-list."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import TypeAlias

from attrs import field, frozen

from smsc._exceptions import InvalidRequest
from smsc.callbacks._contract import ALGORITHMS, DIGESTS, Algorithm, Kind, signed_text
from smsc.callbacks._errors import CallbackRejected
from smsc.callbacks._request import CallbackRequest

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Formula: TypeAlias = Callable[[Kind, Mapping[str, str], str], str]
"""`(kind, fields, secret) -> text`: the string whose hash is the signature."""


def _networks(value: Iterable[str | Network] | None) -> tuple[Network, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    try:
        return tuple(ipaddress.ip_network(v, strict=False) for v in value)
    except ValueError as exc:
        raise InvalidRequest(f"networks: {exc}") from None


@frozen(kw_only=True)
class Verifier:
    """Checks that a callback comes from the service, before anything in it is read as an event.

        Verifier(secret=os.environ["SMSC_CALLBACK_SECRET"], algorithm="md5")

    Attributes:
        secret: the account secret the signature is computed with (never shown in a repr, a log
            record or an exception).
        algorithm: the hash the handler URL asks for with `md5=1`, `sha1=1` or `crc32=1`; the
            request must carry that field. None: no signature check (then `networks` is required).
            It is configured here, never taken from the request, which a forger controls.
        formula: `(kind, fields, secret) -> text` giving the string that is hashed. The service
            does not publish its formula; the default is our contract (`smsc.callbacks.signed_text`):
            replace it with the one your account uses.
        networks: optional allow-list of source networks (`["212.24.33.0/24", "2a00::/32"]`);
            a request from another address is refused. It checks the peer address the framework
            reports, so behind a reverse proxy configure the framework to report the client's.
    """

    secret: str | None = field(default=None, repr=False)
    algorithm: Algorithm | None = "md5"
    formula: Formula = field(default=signed_text, repr=False)
    networks: tuple[Network, ...] | None = field(default=None, converter=_networks)

    def __attrs_post_init__(self) -> None:
        if self.algorithm is not None and self.algorithm not in ALGORITHMS:
            raise InvalidRequest(f"algorithm must be one of {', '.join(ALGORITHMS)} or None, not {self.algorithm!r}")
        if self.algorithm is not None and not self.secret:
            raise InvalidRequest("a signature check needs the account secret")
        if self.algorithm is None and not self.networks:
            raise InvalidRequest("a Verifier needs an algorithm and secret, or networks to allow, or both")

    def check_source(self, request: CallbackRequest) -> None:
        """Refuse a request from outside the allowed networks (nothing of it has been read yet)."""
        if self.networks is None:
            return
        try:
            address = ipaddress.ip_address((request.remote or "").strip("[]"))
        except ValueError:
            raise CallbackRejected("source address unknown", request=request) from None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not any(address in net for net in self.networks):
            raise CallbackRejected(f"source address {address} not allowed", request=request)

    def expected(self, kind: Kind, fields: Mapping[str, str]) -> str:
        """The signature a genuine call with these fields carries."""
        assert self.algorithm is not None and self.secret is not None
        return DIGESTS[self.algorithm](self.formula(kind, fields, self.secret).encode("utf-8"))

    def check_signature(self, kind: Kind, fields: Mapping[str, str], request: CallbackRequest) -> None:
        """Refuse an unsigned or wrongly signed call; the comparison takes constant time."""
        if self.algorithm is None:
            return
        given = fields.get(self.algorithm, "").strip().lower()
        if not given:
            raise CallbackRejected(f"unsigned (no {self.algorithm} field)", request=request)
        if not hmac.compare_digest(self.expected(kind, fields).encode(), given.encode("utf-8")):
            raise CallbackRejected(f"wrong {self.algorithm} signature", request=request)
