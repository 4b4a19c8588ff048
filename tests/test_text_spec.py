"""spec/text.yaml: a malformed text section fails loading with its file and key path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.load import SpecError, load
from tests.conftest import ROOT

TEXT = (ROOT / "spec" / "text.yaml").read_text(encoding="utf-8")

BAD_TEXT = [
    ('    0x42: "B"\n', '    0x42: "A"\n', "$.text.alphabet[0x42]: duplicate character 'A', also at alphabet[0x41]"),
    ('    0x65: "€"\n', '    0x65: "e"\n', "$.text.extension[0x65]: duplicate character 'e', also at alphabet[0x65]"),
    ('    0x42: "B"\n', '    0x41: "B"\n', "found duplicate key 65 (first on line"),
    ('    0x7F: "à"\n', "", "$.text.alphabet: has 126 of 127 codes; missing 0x7F"),
    ('    0x41: "A"\n', '    0x41: "AB"\n', "$.text.alphabet[0x41]: 'AB' is not one character"),
    ('    0x41: "A"\n', '    0x41: "A"\n    0x1B: "x"\n', "$.text.alphabet[0x1B]: not a character code"),
    ('    0x40: "|"\n', '    0x80: "|"\n', "$.text.extension[0x80]: not a character code"),
    ("multi: 153}", "multi: 154}", "$.text.encodings.GSM7: 7-bit units give single 160 and multi 153"),
    ("    BINARY: {unit: octet, bits: 8, single: 140, multi: 134}\n", "", "$.text.encodings: must give exactly"),
    ("octets: 6, doc", "octets: 5, doc", "$.text.udh[0]: reference_octets is 1 or 2"),
    ("concatenation: REF8", "concatenation: REF9", "$.text.concatenation: unknown header 'REF9'"),
    ('"ж": "zh"', '"ж": "ç"', "$.text.translit.LATIN['ж']: 'ç' has characters outside GSM-7"),
    ('"ж": "zh"', '"ж": "zh", "q": "k"', "$.text.translit.LATIN['q']: keys are single non-ASCII characters"),
    ('"ж": "zh"', '"ж": "zh", "ж": "j"', "found duplicate key 'ж'"),
    ("    LATIN: {", "    LATINO: {", "$.text.translit: must give a table for exactly ['LATIN', 'LOOKALIKE']"),
    ("BIN_HEX: hex}", "BIN_HEX: base64}", "$.text.binary_formats.BIN_HEX: 'base64' is not utf-8 or hex"),
    ("{BIN: utf-8,", "{HLR: utf-8,", "$.text.binary_formats.HLR: must be a MessageFormat member billed per part"),
    ("  sms_octets: 140", "  sms_octets: many", "invalid value for type, expected int @ $.text.sms_octets"),
]


def _spec_with(tmp_path: Path, text: str) -> Path:
    """The text section and the enums it refers to: all the loader needs to check it."""
    spec = tmp_path / "spec"
    spec.mkdir()
    shutil.copy(ROOT / "spec" / "enums.yaml", spec / "enums.yaml")
    (spec / "text.yaml").write_text(text, encoding="utf-8")
    return spec


@pytest.mark.parametrize(("old", "new", "message"), BAD_TEXT)
def test_a_malformed_text_spec_names_file_and_path(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in TEXT
    with pytest.raises(SpecError) as caught:
        load(_spec_with(tmp_path, TEXT.replace(old, new, 1)))
    assert str(caught.value).startswith("spec/text.yaml: ")
    assert message in str(caught.value)


def test_a_second_text_section_is_refused(tmp_path: Path) -> None:
    spec = _spec_with(tmp_path, TEXT)
    section = TEXT[TEXT.index("\ntext:\n") + 1 :]
    (spec / "zz.yaml").write_text(section, encoding="utf-8")
    with pytest.raises(SpecError, match=r"spec/zz.yaml: \$.text: duplicate section, first in spec/text.yaml"):
        load(spec)


def test_the_real_text_spec_loads(tmp_path: Path) -> None:
    text = load(_spec_with(tmp_path, TEXT)).text
    assert text is not None
    assert (text.encodings["GSM7"].single, text.encodings["GSM7"].multi) == (160, 153)
    assert (text.encodings["UCS2"].single, text.encodings["UCS2"].multi) == (70, 67)
    assert text.max_chars == 1000 and [u.octets for u in text.udh] == [6, 7]


def test_the_send_validator_uses_the_spec_maximum() -> None:
    from smsc import _params, text

    assert _params.MAX_MESSAGE == text.MAX_CHARS == 1000
