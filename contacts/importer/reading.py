"""Reading an uploaded CSV file: encoding, separator, header, records with line numbers."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from django.core.exceptions import ValidationError

from contacts import services

# One select per column on the mapping page; Django refuses forms of over 1,000 fields anyway.
MAX_COLUMNS = 200

DELIMITERS = (",", ";", "\t")

DELIMITER_LABELS = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab"}

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (Latin-1 with € and curly quotes)",
    "latin-1": "Latin-1 (ISO-8859-1)",
}

WINDOWS_1252_ONLY_BYTES = re.compile(rb"[\x80-\x9f]")


class ImportFileError(ValueError):
    """The upload cannot be imported; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class CsvFile:
    encoding: str
    delimiter: str
    text: str
    headers: list[str]
    row_count: int


@dataclass(frozen=True)
class Record:
    line: int
    cells: list[str]


def read_csv(data: bytes, delimiter: str | None = None) -> CsvFile:
    """Decode and check an uploaded CSV file; delimiter None means detect it."""
    if not data.strip():
        raise ImportFileError("The file is empty.")
    text, encoding = decode(data)
    if looks_binary(data, text):
        raise ImportFileError(_binary_message(data))
    delimiter = delimiter or detect_delimiter(text)
    records = iter_records(text, delimiter)
    header = next((record for record in records if not _is_blank(record.cells)), None)
    if header is None:
        raise ImportFileError("The file has no header row.")
    headers = [cell.strip() for cell in header.cells]
    _check_header(headers)
    row_count = sum(1 for record in records if not _is_blank(record.cells))
    if not row_count:
        raise ImportFileError("The file has a header row but no rows of contacts under it.")
    return CsvFile(encoding, delimiter, text, headers, row_count)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, UTF-16 with a BOM, Windows-1252, Latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    # A UTF-8 byte-order mark in front of single-byte text is a mislabelled file: drop it so
    # the first header still reads "email".
    data = data.removeprefix(codecs.BOM_UTF8)
    # Excel on Windows writes Windows-1252: Latin-1 plus € and curly quotes in 0x80-0x9F,
    # where Latin-1 has only control characters.
    if WINDOWS_1252_ONLY_BYTES.search(data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    # Latin-1 maps every byte, so this never fails; a file that is neither is caught
    # by looks_binary or shows up as odd characters in the preview.
    return data.decode("latin-1"), "latin-1"


def looks_binary(data: bytes, text: str) -> bool:
    if "\x00" in text or data.startswith(b"PK\x03\x04"):
        return True
    sample = text[:8192]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\n\r\f")
    # A stray control character (a DOS end-of-file mark, a vertical tab from Excel) in a small
    # file is not enough to call it binary.
    return controls > max(8, len(sample) // 100)


def _binary_message(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        return (
            "This looks like an Excel workbook or another zipped file, not a CSV file. "
            "Save it as “CSV UTF-8” and upload that."
        )
    return "This does not look like a CSV file (it contains binary data)."


def _check_header(headers: list[str]) -> None:
    if not any(headers):
        raise ImportFileError("The first row is empty: it must hold the column names.")
    if len(headers) > MAX_COLUMNS:
        raise ImportFileError(
            f"The file has {len(headers)} columns; up to {MAX_COLUMNS} can be imported. "
            "Remove the columns you do not need."
        )
    for cell in headers:
        if "@" in cell:
            try:
                services.clean_email(cell)
            except ValidationError:
                continue
            raise ImportFileError(
                f"The first row must hold the column names, but it contains the email "
                f"address “{cell}”. Add a header row (for example: email, first name, last name)."
            )


def detect_delimiter(text: str) -> str:
    """The candidate giving the widest header with the most rows of the same width."""
    sample = text[:65536]
    best, best_score = ",", (0, 0)
    for candidate in DELIMITERS:
        # Not strict, and the sample is shorter than csv's field limit: this cannot raise.
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=candidate)
        rows = [row for row in islice(reader, 50) if not _is_blank(row)]
        if len(sample) < len(text) and len(rows) > 1:
            rows.pop()  # the sample may end mid-row
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(1 for row in rows if len(row) == width), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def iter_records(text: str, delimiter: str) -> Iterator[Record]:
    """Every record of the file with the line it starts on. Broken quoting is an ImportFileError."""
    # strict: a quote left open would otherwise swallow the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(_quoting_message(start, error)) from error
        yield Record(start, cells)
        start = reader.line_num + 1


def _quoting_message(line: int, error: csv.Error) -> str:
    if "unexpected end of data" in str(error):
        problem = "a quoted value starts here and is never closed"
    elif "field larger than field limit" in str(error):
        problem = (
            f"a value is longer than {csv.field_size_limit():,} characters (is a quote left open?)"
        )
    else:
        problem = "a closing quote is followed by more text"
    return (
        f"Line {line}: {problem}. Values that contain the separator, a quote or a line break "
        f'must be enclosed in double quotes, with quotes inside them doubled ("").'
    )


def data_records(text: str, delimiter: str) -> Iterator[Record]:
    """The records under the header, blank lines left out."""
    records = (record for record in iter_records(text, delimiter) if not _is_blank(record.cells))
    next(records, None)
    return records


def _is_blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)
