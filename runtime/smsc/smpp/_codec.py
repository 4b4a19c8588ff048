"""Whole PDUs from bytes: `decode` for one frame, `PduReader` for a stream read in arbitrary chunks."""

from __future__ import annotations

from collections.abc import Iterator

from smsc.smpp._constants import MAX_LENGTH, CommandStatus
from smsc.smpp._errors import PduError
from smsc.smpp._pdus import PDUS
from smsc.smpp._wire import HEADER, Pdu


def decode(frame: bytes) -> Pdu:
    """One PDU from exactly its bytes; PduError (naming the field) for anything malformed.

    Lenient where SMPP peers differ: a response with an empty body, or with a non-zero
    command_status and a body that does not parse (some SMSCs send a lone NUL), decodes to the
    response class with default fields.
    """
    if len(frame) < 16:
        raise PduError(f"{len(frame)} octets, a PDU has at least 16", raw=frame, field="command_length", fatal=True)
    length, command_id, status, sequence = HEADER.unpack_from(frame)
    if length != len(frame):
        raise PduError(
            f"says {length} octets, the frame has {len(frame)}",
            raw=frame,
            field="command_length",
            command_id=command_id,
            sequence_number=sequence,
            fatal=True,
        )
    cls = PDUS.get(command_id)
    if cls is None:
        raise PduError(
            f"unknown command_id 0x{command_id:08X}",
            raw=frame,
            field="command_id",
            status=CommandStatus.ESME_RINVCMDID,
            command_id=command_id,
            sequence_number=sequence,
        )
    body = frame[16:]
    if cls.is_response and (not body or status):
        if body:
            try:
                return cls.decode_body(body, sequence, status)
            except PduError:
                pass
        return cls(sequence_number=sequence, command_status=status)  # type: ignore[call-arg]
    try:
        return cls.decode_body(body, sequence, status)
    except PduError as exc:
        exc.command_id, exc.sequence_number, exc.raw = command_id, sequence, frame
        raise


class PduReader:
    """Splits a byte stream into PDUs, whatever the chunks it arrives in.

        reader = PduReader()
        reader.feed(chunk)
        for pdu in reader:   # raises PduError for a malformed PDU; iterate again to go on
            ...

    A bad command_length (below 16 or above `max_length`) cannot be resynchronised: the
    PduError is `fatal`, and every later call raises it again (drop the connection). Any other
    PduError consumes only its own PDU.
    """

    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self.max_length = max_length
        self._buf = bytearray()
        self._pos = 0
        self._broken: PduError | None = None

    def feed(self, data: bytes) -> None:
        """Add bytes read from the connection."""
        if self._pos and self._pos == len(self._buf):
            self._buf.clear()
            self._pos = 0
        self._buf += data

    @property
    def buffered(self) -> int:
        """Octets received that do not yet make a whole PDU."""
        return len(self._buf) - self._pos

    def next_frame(self) -> bytes | None:
        """The next whole PDU's bytes, or None until more arrive."""
        if self._broken is not None:
            raise self._broken
        buf, pos = self._buf, self._pos
        if len(buf) - pos < 4:
            return None
        length = int.from_bytes(buf[pos : pos + 4], "big")
        if length < 16 or length > self.max_length:
            raw = bytes(buf[pos : pos + 16])
            sequence = int.from_bytes(raw[12:16], "big") if len(raw) == 16 else None
            self._broken = PduError(
                f"{length} is not a PDU length (16..{self.max_length})",
                raw=raw,
                field="command_length",
                sequence_number=sequence,
                fatal=True,
            )
            raise self._broken
        if len(buf) - pos < length:
            return None
        frame = bytes(buf[pos : pos + length])
        pos += length
        if pos == len(buf):
            buf.clear()
            pos = 0
        elif pos > 65536:
            del buf[:pos]
            pos = 0
        self._pos = pos
        return frame

    def __iter__(self) -> Iterator[Pdu]:
        while (frame := self.next_frame()) is not None:
            yield decode(frame)
