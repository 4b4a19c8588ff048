"""What the emulator knows about numbers: a small prefix table, the test numbers, HLR answers."""

from __future__ import annotations

from attrs import frozen

from smsc._enums import DeliveryError, MessageStatus
from smsc._models import HlrInfo


@frozen
class Network:
    """Country, operator and region of a number prefix, in the service's Russian and in English."""

    country: str
    operator: str
    region: str
    mcc: str
    mnc: str
    country_en: str
    operator_en: str


_KZ = ("Казахстан", "Kazakhstan", "401")
_RU = ("Россия", "Russian Federation", "250")


def _kz(operator: str, mnc: str) -> Network:
    return Network(_KZ[0], operator, "Казахстан", _KZ[2], mnc, _KZ[1], operator)


def _ru(operator: str, operator_en: str, mnc: str, region: str = "Россия") -> Network:
    return Network(_RU[0], operator, region, _RU[2], mnc, _RU[1], operator_en)


_MOSCOW = "г.Москва и Московская область"  # noqa: RUF001 (Cyrillic, as the service writes it)
_KCELL, _BEELINE_KZ = _kz("Kcell", "02"), _kz("Beeline", "01")
_TELE2_KZ, _ALTEL = _kz("Tele2", "77"), _kz("Altel", "07")
_MTS = _ru("МТС", "MTS", "01", _MOSCOW)  # noqa: RUF001 (Cyrillic, as the service writes it)
_BEELINE = _ru("Билайн", "Beeline", "99", _MOSCOW)
_MEGAFON, _TELE2 = _ru("МегаФон", "MegaFon", "02", _MOSCOW), _ru("Tele2", "Tele2", "20", _MOSCOW)

PREFIXES: dict[str, Network] = {
    **dict.fromkeys(("7700", "7708"), _ALTEL),
    **dict.fromkeys(("7701", "7702", "7775", "7778"), _KCELL),
    **dict.fromkeys(("7705", "7771", "7776", "7777"), _BEELINE_KZ),
    **dict.fromkeys(("7707", "7747"), _TELE2_KZ),
    **dict.fromkeys(("7910", "7915", "7916", "7919", "7985"), _MTS),
    **dict.fromkeys(("7903", "7905", "7906", "7909", "7960", "7961", "7962", "7963", "7964", "7965"), _BEELINE),
    **dict.fromkeys(("7920", "7921", "7925", "7926", "7929"), _MEGAFON),
    **dict.fromkeys(("7900", "7950", "7951", "7952", "7953", "7958"), _TELE2),
    "799900": Network("Россия", "Тестовый оператор", "Тестовый регион", "250", "98", "Russian Federation", "Test"),
    "79": _ru("", "", "", ""),
    "76": Network("Казахстан", "", "", "401", "", "Kazakhstan", ""),
    "77": Network("Казахстан", "", "", "401", "", "Kazakhstan", ""),
    "7": _ru("", "", "", ""),
    "380": Network("Украина", "", "", "255", "", "Ukraine", ""),
    "38067": Network("Украина", "Киевстар", "Украина", "255", "03", "Ukraine", "Kyivstar"),
    "375": Network("Беларусь", "", "", "257", "", "Belarus", ""),
    "992": Network("Таджикистан", "", "", "436", "", "Tajikistan", ""),
    "996": Network("Кыргызстан", "", "", "437", "", "Kyrgyzstan", ""),
    "998": Network("Узбекистан", "", "", "434", "", "Uzbekistan", ""),
    "1": Network("США", "", "", "310", "", "United States", ""),
    "44": Network("Великобритания", "", "", "234", "", "United Kingdom", ""),
    "49": Network("Германия", "", "", "262", "", "Germany", ""),
}
UNKNOWN = Network("", "", "", "", "", "", "")
_LONGEST = max(map(len, PREFIXES))


def network(phone: str) -> Network:
    """The network of a number (digits, international form): the longest matching prefix."""
    for size in range(min(_LONGEST, len(phone)), 0, -1):
        found = PREFIXES.get(phone[:size])
        if found is not None:
            return found
    return UNKNOWN


# Test numbers: +7 999 00 SS EEE. SS picks the final status, EEE the delivery error (err).
TEST_PREFIX = "799900"
REJECT_AT_SEND = "80"  # +7 999 00 80 xxx: send.php answers error 8 (cannot be delivered)
STAYS_TRANSFERRED = "00"  # handed to the operator and never final
STAYS_WAITING = "99"  # never leaves the queue
_FINAL_CODES = {f"{s.value:02d}": s for s in MessageStatus if s.is_final}


@frozen
class Outcome:
    """How a message to a number ends: its last status and delivery error (None: never final)."""

    final: MessageStatus | None
    error: DeliveryError
    transferred: bool = True


DELIVERED = Outcome(MessageStatus.DELIVERED, DeliveryError.NONE)


def is_test_number(phone: str) -> bool:
    return len(phone) == 11 and phone.startswith(TEST_PREFIX) and phone.isdigit()


def rejected_at_send(phone: str) -> bool:
    """True for the test numbers that send.php refuses with error 8."""
    return is_test_number(phone) and phone[6:8] == REJECT_AT_SEND


def outcome(phone: str) -> Outcome:
    """The final status and delivery error of a message to this number (delivered unless a test number)."""
    if not is_test_number(phone):
        return DELIVERED
    code, err = phone[6:8], DeliveryError(int(phone[8:11]))
    if code == STAYS_WAITING:
        return Outcome(None, err, transferred=False)
    if code == STAYS_TRANSFERRED:
        return Outcome(None, err)
    status = _FINAL_CODES.get(code)
    return DELIVERED if status is None else Outcome(status, err)


def hlr_info(phone: str, error: DeliveryError) -> HlrInfo:
    """The HLR answer for a number: filled for a reachable subscriber, empty otherwise."""
    net = network(phone)
    if error is not DeliveryError.NONE or not net.mcc:
        return HlrInfo(
            imsi="",
            msc="",
            mcc=net.mcc,
            mnc=net.mnc,
            country=net.country_en,
            network=net.operator_en,
            roaming_country="",
            roaming_network="",
        )
    mnc = net.mnc or "01"
    imsi = (net.mcc + mnc + phone[-10:].rjust(10, "0"))[:15]
    msc = phone[: max(len(phone) - 7, 1)] + "0000000"[: min(7, len(phone) - 1)]
    return HlrInfo(
        imsi=imsi,
        msc=msc,
        mcc=net.mcc,
        mnc=mnc,
        country=net.country_en,
        network=net.operator_en,
        roaming_country="",
        roaming_network="",
    )
