"""SMPP 3.4 for SMSC: a generated PDU codec, a windowed asyncio client, a pool of binds, a transport for smsc.Client."""

from __future__ import annotations

from smsc.smpp._client import SmppClient, SmppSendResult
from smsc.smpp._codec import PduReader, decode
from smsc.smpp._constants import VERSION, CommandId, CommandStatus, MessageState
from smsc.smpp._errors import (
    BindError,
    BindTimeout,
    OutcomeUnknown,
    PduError,
    ResponseTimeout,
    SessionClosed,
    SmppAuthError,
    SmppStatusError,
    WindowTimeout,
)
from smsc.smpp._incoming import MobileMessage
from smsc.smpp._pdus import (
    BindReceiver,
    BindReceiverResp,
    BindTransceiver,
    BindTransceiverResp,
    BindTransmitter,
    BindTransmitterResp,
    DataSm,
    DataSmResp,
    DeliverSm,
    DeliverSmResp,
    EnquireLink,
    EnquireLinkResp,
    GenericNack,
    QuerySm,
    QuerySmResp,
    SubmitSm,
    SubmitSmResp,
    Unbind,
    UnbindResp,
)
from smsc.smpp._pool import SmppPool
from smsc.smpp._rate import AdaptiveRate
from smsc.smpp._receipts import Receipt, parse_receipt
from smsc.smpp._sync import SyncSmppClient
from smsc.smpp._transport import SmppTransport
from smsc.smpp._wire import Pdu, Tlv

__all__ = [
    "SmppClient",
    "SmppPool",
    "SyncSmppClient",
    "MobileMessage",
    "AdaptiveRate",
    "SmppTransport",
    "SmppSendResult",
    "Receipt",
    "parse_receipt",
    "VERSION",
    "CommandId",
    "CommandStatus",
    "MessageState",
    "Pdu",
    "Tlv",
    "PduReader",
    "decode",
    "PduError",
    "SmppStatusError",
    "BindError",
    "SmppAuthError",
    "OutcomeUnknown",
    "ResponseTimeout",
    "WindowTimeout",
    "BindTimeout",
    "SessionClosed",
    "BindReceiver",
    "BindReceiverResp",
    "BindTransmitter",
    "BindTransmitterResp",
    "BindTransceiver",
    "BindTransceiverResp",
    "DataSm",
    "DataSmResp",
    "DeliverSm",
    "DeliverSmResp",
    "EnquireLink",
    "EnquireLinkResp",
    "GenericNack",
    "QuerySm",
    "QuerySmResp",
    "SubmitSm",
    "SubmitSmResp",
    "Unbind",
    "UnbindResp",
]
