"""Read raw dumps from disk: find the files, detect their encoding, render HTML to visible text.

Whatever cannot be read becomes a `ReadFailure` naming the file and the reason; the build turns
it into a quarantine row and goes on with the other files.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import csv
import email.utils
import gzip
import hashlib
import io
import itertools
import json
import os
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Literal

import charset_normalizer
import polars as pl
from charset_normalizer.utils import is_multi_byte_encoding
from lxml import etree
from lxml import html as lxml_html

from .language import stop_words

TEXT_SUFFIXES = (".txt", ".txt.gz")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
_SUFFIXES_LONGEST_FIRST = tuple(sorted(SUPPORTED_SUFFIXES, key=len, reverse=True))
# Single-byte code pages of Latin-script text, cp1252 (browsers' default for legacy pages) first.
# charset-normalizer tells the script of legacy text well but not which of these a page is in:
# English with curly quotes came out as cp852, French as cp1250, Turkish (cp1254) as cp1250.
LATIN_CODE_PAGES = (
    "cp1252",
    "cp1250",
    "cp1254",
    "cp1257",
    "cp1258",
    "iso8859_2",
    "iso8859_13",
    "iso8859_16",
    "cp850",
    "cp852",
    "cp775",
    "mac_roman",
    "mac_latin2",
)
# How much of a legacy page is read to choose its code page.
CODE_PAGE_SAMPLE_BYTES = 65536
# A word of a legacy page that holds a byte beyond ASCII, as bytes: its letters, digits and those
# bytes, at least two in all.
LEGACY_WORD = re.compile(rb"[A-Za-z0-9]*[\x80-\xff][A-Za-z0-9\x80-\xff]+|[A-Za-z0-9]+[\x80-\xff]")
C1_CONTROL = re.compile("[\x80-\x9f]")
ASCII_BYTES = bytes(range(128))
MAX_BAD_BYTE_SHARE = 0.01
# A page's text is a few MB at most: a bigger file (a crawl log, an archive) is not read into
# memory, so it costs one quarantine row, not a worker.
MAX_DUMP_BYTES = 256 * 2**20


class ReadError(Exception):
    """A dump that cannot be read at all (empty, binary, undecodable)."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    bad_bytes: list[tuple[int, int]] = field(default_factory=list)  # byte ranges replaced by U+FFFD


@dataclass(frozen=True)
class RawFile:
    """A dump read from disk, before splitting."""

    dump_id: str
    path: str
    sha256: str
    n_bytes: int
    encoding: str
    text: str
    bad_bytes: list[tuple[int, int]]
    html_metadata: dict[str, str | None] | None = None
    # Characters of a text dump that no reader sees, left out of `text` (see visible_text). An
    # HTML page's text is its rendering, which leaves them out as it leaves out the markup.
    unseen_chars: int = 0

    @property
    def extracted_text(self) -> str | None:
        """An HTML page's main article text as trafilatura found it in the markup, else None."""
        return (self.html_metadata or {}).get("main_text")


@dataclass(frozen=True)
class ReadFailure:
    dump_id: str
    path: str
    reason: str
    snippet: str = ""


def shipped_raw_dir() -> Path:
    """The folder of raw dumps that ships inside the package (the default input)."""
    return Path(str(files("istanbul_talks.dataset").joinpath("raw")))


def dump_id_of(path: str | Path) -> str:
    """A dump's id: its file name without the dump suffix (`path` may be relative, as a
    '/'-separated string)."""
    name = os.path.basename(path)
    lower = name.lower()
    for suffix in _SUFFIXES_LONGEST_FIRST:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return PurePosixPath(name).stem


# The dumps a build found: one row per file, `path` relative to the raw folder.
DUMP_FILES = {"path": pl.String, "dump_id": pl.String}
# Files that are never read (not dumps, or a dump id already taken) and why; reasons repeat.
UNREAD_FILES = DUMP_FILES | {"reason": pl.Categorical}
DISCOVER_BATCH = 8192  # file names turned into columns at a time


def discover(raw_dir: Path, leave_out: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every supported dump under raw_dir (DUMP_FILES, in corpus order: by dump id, then path),
    and every other file (UNREAD_FILES, as paths sort), which is reported, not read. Names go
    into columns a batch at a time, so a corpus of hundreds of thousands of files (or of dumps
    with a sidecar file each) costs the build a few dozen bytes a file, not Python objects.
    `leave_out` is a folder that is not input (the build's own output folder, when it lies in
    raw_dir): it is passed over without a word."""
    if not raw_dir.exists():
        raise FileNotFoundError(f"raw dump folder {raw_dir} does not exist")
    if not raw_dir.is_dir():
        raise NotADirectoryError(f"--raw {raw_dir} is not a folder")
    files = _files(str(raw_dir), leave_out)
    found, others = [pl.DataFrame(schema=DUMP_FILES)], [pl.DataFrame(schema=UNREAD_FILES)]
    while batch := list(itertools.islice(files, DISCOVER_BATCH)):
        dumps, skipped, reasons = [], [], []
        for rel, unreadable in batch:
            name = os.path.basename(rel)
            if unreadable is not None:
                skipped.append(rel)
                reasons.append(unreadable)
            elif name.lower().endswith(SUPPORTED_SUFFIXES) and not name.startswith("."):
                dumps.append(rel)
            else:
                skipped.append(rel)
                reasons.append(_not_a_dump(rel))
        found.append(
            pl.DataFrame(
                {"path": dumps, "dump_id": [dump_id_of(rel) for rel in dumps]}, schema=DUMP_FILES
            )
        )
        others.append(
            pl.DataFrame(
                {
                    "path": skipped,
                    "dump_id": [dump_id_of(rel) for rel in skipped],
                    "reason": reasons,
                },
                schema=UNREAD_FILES,
            )
        )
    # As paths sort, component by component: "/" below every character a name can hold.
    skipped_files = pl.concat(others).sort(pl.col("path").str.replace_all("/", "\x00"))
    return pl.concat(found).sort("dump_id", "path"), skipped_files


def _not_a_dump(rel: str) -> str:
    suffixes = "".join(PurePosixPath(rel).suffixes) or "(none)"
    expected = ", ".join(SUPPORTED_SUFFIXES)
    return f"not a dump: unsupported file type {suffixes}; expected one of {expected}"


NOT_UTF8_NAME = "its name is not UTF-8 (shown with its bytes as \\x..); rename it to read it"


def shown_path(path: str | Path) -> str:
    """A path as a table or report can hold it: a byte that is not UTF-8 as \\x.. ("caf\\xe9")."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_utf8(name: str) -> bool:
    """Is a name or path the file system gave valid UTF-8 (it holds no byte that had to be
    escaped)?"""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _files(root: str, leave_out: Path | None = None) -> Iterator[tuple[str, str | None]]:
    """Relative paths ('/'-separated) of the entries under root, each with the reason it cannot
    be read (None for a file). Links to folders are followed and each folder is read once: a
    second way to one (two links, a loop) is named, not followed. Folders go in name order, so
    which way is read does not depend on the file system. os.scandir, not pathlib,
    since a corpus may hold hundreds of thousands of files."""
    top = os.stat(root)
    read_as = {(top.st_dev, top.st_ino): ""}  # each folder's path, "" for root
    passed_over = set()
    if leave_out is not None and leave_out.is_dir():
        info = leave_out.stat()
        passed_over.add((info.st_dev, info.st_ino))
    folders = [(root, "")]
    while folders:
        path, prefix = folders.pop()
        try:
            with os.scandir(path) as entries:
                subfolders = []
                for entry in entries:
                    rel = prefix + entry.name
                    if not is_utf8(entry.name):  # no table can hold the name as it is
                        yield shown_path(rel), NOT_UTF8_NAME
                    elif entry.is_dir():
                        subfolders.append(entry)
                    elif entry.is_file():
                        yield rel, None
                    elif entry.is_symlink():
                        yield rel, f"broken link: {os.readlink(entry.path)} does not exist"
                    else:
                        yield rel, "not a regular file (a named pipe, socket or device)"
        except OSError as exc:
            if not prefix:
                raise
            yield prefix.rstrip("/"), f"folder cannot be read: {exc.strerror}"
            continue
        later = []
        for entry in sorted(subfolders, key=lambda entry: entry.name):
            info, rel = entry.stat(), prefix + entry.name
            if (info.st_dev, info.st_ino) in passed_over:
                continue
            first = read_as.setdefault((info.st_dev, info.st_ino), rel)
            if first == rel:
                later.append((entry.path, f"{rel}/"))
            elif first:
                yield rel, f"the same folder as {first}, read there"
            else:
                yield rel, "a link back to the raw folder (a loop), not followed"
        folders.extend(reversed(later))  # depth first, in name order


def decode(data: bytes) -> Decoded:
    """Detect the encoding of a text dump and decode it, recording any undecodable bytes."""
    if not data.strip():
        raise ReadError("empty file" if not data else "file holds only whitespace")
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"starts with a {encoding} byte-order mark but {exc.reason} at byte {exc.start}"
                ) from exc
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        if _mostly_nul(data):
            raise ReadError("binary file: holds NUL bytes and is not UTF-16 text")
        try:
            return _nuls_marked(data, _decode_text(data))
        except ReadError as exc:
            raise ReadError(f"binary file: holds NUL bytes and is no text ({exc})") from exc
    return _decode_text(data)


def _mostly_nul(data: bytes) -> bool:
    """Are over MAX_BAD_BYTE_SHARE of the bytes NUL (a binary file, not a text with a few)?"""
    return data.count(0) > len(data) * MAX_BAD_BYTE_SHARE


def _nuls_marked(data: bytes, decoded: Decoded) -> Decoded:
    """A few NUL bytes in a text (a broken scrape): each is recorded as undecodable, U+FFFD in
    the text, like a broken UTF-8 byte."""
    nuls = [(match.start(), match.end()) for match in re.finditer(b"\x00", data)]
    text = decoded.text.replace("\x00", "\ufffd")
    return Decoded(text, decoded.encoding, sorted(decoded.bad_bytes + nuls))


def _decode_text(data: bytes) -> Decoded:
    """UTF-8, else UTF-8 with a few broken bytes, else the closest legacy encoding."""
    try:
        return _check_text(Decoded(data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError:
        pass
    partial = _mostly_utf8(data)
    if partial is not None:
        return _check_text(partial)
    results = charset_normalizer.from_bytes(data)
    best = results.best()
    if best is None:
        raise ReadError("undecodable bytes: no known text encoding fits this file")
    encoding = best.encoding
    if is_multi_byte_encoding(encoding):
        decoded = Decoded(data.decode(encoding), encoding)
    else:
        beyond_ascii = bytes(sorted(set(data.translate(None, ASCII_BYTES))))
        if _is_latin(str(best)[:CODE_PAGE_SAMPLE_BYTES]):
            encoding = latin_code_page(data, beyond_ascii, encoding)
        decoded = _decode_single_byte(data, beyond_ascii, encoding)
    if not _plausible(decoded.text):
        raise ReadError(
            f"undecodable bytes: the closest encoding ({encoding}) gives no readable text"
        )
    return _check_text(decoded)


def latin_code_page(data: bytes, beyond_ascii: bytes, guess: str) -> str:
    """The code page, of LATIN_CODE_PAGES and charset-normalizer's guess, in which most of the
    words with bytes beyond ASCII read as stop words of a listed language ("déjà", "się", "için",
    "pēc"; not the mojibake "siê"), the earliest in the list on a tie: text whose only such
    bytes are curly quotes and dashes is cp1252. Out of the running: a code page that reads a
    byte as a C1 control, or leaves more than MAX_BAD_BYTE_SHARE of the bytes undefined (0x81
    in cp1252; the DOS and Mac code pages define every byte, so one is always left).
    `beyond_ascii`: the distinct bytes of the data above 0x7f."""
    words = set(LEGACY_WORD.findall(data[:CODE_PAGE_SAMPLE_BYTES]))
    limit = len(data) * MAX_BAD_BYTE_SHARE
    known = stop_words()
    hits: dict[str, int] = {}
    for code_page in dict.fromkeys((*LATIN_CODE_PAGES, guess)):
        undefined = _undefined_bytes(beyond_ascii, code_page)
        chars = beyond_ascii.decode(code_page, errors="ignore")
        if sum(map(data.count, undefined)) > limit or C1_CONTROL.search(chars):
            continue
        read = (word.decode(code_page, errors="replace").casefold() for word in words)
        hits[code_page] = sum(word in known for word in read)
    return max(hits, key=hits.__getitem__)  # the first of the best


def _undefined_bytes(candidates: bytes, code_page: str) -> list[bytes]:
    """The bytes among the candidates that the code page leaves undefined (0x81 in cp1252)."""
    undefined = []
    for byte in candidates:
        try:
            bytes([byte]).decode(code_page)
        except UnicodeDecodeError:
            undefined.append(bytes([byte]))
    return undefined


def _decode_single_byte(data: bytes, beyond_ascii: bytes, code_page: str) -> Decoded:
    """Decode, marking each byte the code page leaves undefined (U+FFFD in the text)."""
    undefined = _undefined_bytes(beyond_ascii, code_page)
    if not undefined:
        return Decoded(data.decode(code_page), code_page)
    pattern = re.compile(b"[" + b"".join(re.escape(byte) for byte in undefined) + b"]")
    bad = [(match.start(), match.end()) for match in pattern.finditer(data)]
    return Decoded(data.decode(code_page, errors="replace"), code_page, bad)


def _is_latin(text: str) -> bool:
    """Are most letters beyond ASCII Latin ones (or are there none)?"""
    letters = [ch for ch in set(text) if ord(ch) > 127 and ch.isalpha()]
    latin = sum(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)
    return latin * 2 >= len(letters)


def _plausible(text: str) -> bool:
    """Guessed encodings can turn noise into 'text'; real pages have words and line breaks."""
    sample = text[:65536]
    visible = [ch for ch in sample if not ch.isspace()]
    if not visible:
        return False
    alnum = sum(ch.isalnum() for ch in visible) / len(visible)
    breaks = sum(ch.isspace() for ch in sample)
    return alnum >= 0.5 and (len(sample) < 200 or breaks * 200 >= len(sample))


# Every byte but the control characters U+0000-U+0008 and U+000E-U+001F, which UTF-8 writes as
# those same single bytes (and never uses inside a longer sequence).
_NOT_CONTROL = bytes(b for b in range(256) if not (b <= 0x08 or 0x0E <= b <= 0x1F))


def _control_chars(text: str) -> int:
    """Control characters among the first 64 Ki characters, counted on their UTF-8 bytes (a
    regular expression over a non-ASCII string took longer than decoding it)."""
    head = text[:65536].encode("utf-8", "surrogatepass")
    return len(head.translate(None, _NOT_CONTROL))


def _check_text(decoded: Decoded) -> Decoded:
    controls = _control_chars(decoded.text)
    if controls > 0.05 * min(len(decoded.text), 65536):
        raise ReadError(f"binary file: {controls} control characters in its first 64 KiB")
    return decoded


def _utf16_without_bom(data: bytes) -> Decoded | None:
    if len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    encoding = None
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        encoding = "utf-16-le"
    elif even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        encoding = "utf-16-be"
    if encoding is None:
        return None
    try:
        return _check_text(Decoded(data.decode(encoding), encoding))
    except (UnicodeDecodeError, ReadError):
        return None


class _TooManyBadBytes(Exception):
    pass


# The undecodable byte ranges found by the decoding now running in this context (see _mark_bad).
_BAD_BYTES: contextvars.ContextVar[tuple[list[tuple[int, int]], int]] = contextvars.ContextVar(
    "bad_bytes"
)


def _mark_bad(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: record the bad range, put U+FFFD in its place, and give up once
    there are more than the limit (one pass over the bytes, however many are bad)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad, limit = _BAD_BYTES.get()
    bad.append((exc.start, exc.end))
    if len(bad) > limit:
        raise _TooManyBadBytes
    return "\ufffd", exc.end


codecs.register_error("istanbul_talks.mark_bad", _mark_bad)


def _marking_bad(data: bytes, encoding: str) -> Decoded | None:
    """The data in `encoding`, each undecodable byte range a U+FFFD recorded in `bad_bytes`;
    None past MAX_BAD_BYTE_SHARE of them (one pass over the bytes, however many are bad)."""
    bad: list[tuple[int, int]] = []
    token = _BAD_BYTES.set((bad, max(1, int(len(data) * MAX_BAD_BYTE_SHARE))))
    try:
        text = data.decode(encoding, "istanbul_talks.mark_bad")
    except _TooManyBadBytes:
        return None
    finally:
        _BAD_BYTES.reset(token)
    return Decoded(text, encoding, bad)


def _mostly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few broken bytes: keep the text, mark the bad bytes (U+FFFD in the text)."""
    decoded = _marking_bad(data, "utf-8")
    if decoded is None or not re.search(r"[^\x00-\x7f\ufffd]", decoded.text):
        # No valid multi-byte sequence at all: a legacy single-byte encoding, not broken UTF-8.
        return None
    return decoded


# Elements whose text is never shown; elements that start a new line when rendered.
INVISIBLE = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas"}
BLOCK = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "title",
    "option",
    "button",
    "label",
}
# Where the markup's own line breaks are shown as they are.
PREFORMATTED = {"pre", "textarea", "listing", "plaintext"}
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f]+")
# How an element's own text shows the markup's whitespace: kept (pre), as spaces (running text:
# flow) or, between child elements only, a line break where the markup breaks the line (layout).
Whitespace = Literal["pre", "flow", "layout"]
# Characters a page prints that a reader never sees and that only break words apart for a
# program: soft hyphens ("Bundes&shy;regierung"), zero-width spaces, word joiners and byte-order
# marks inside the text, as trafilatura drops them, and the control characters a CMS leaves in
# (U+0001, U+0007, DEL; not the tab, line breaks and form feed of HTML's whitespace), with the C1
# controls that mojibake repair (below, which runs first) leaves: those no code page defines,
# such as U+0081. Zero-width (non-)joiners stay: Persian, the Indic scripts and emoji sequences
# are written with them.
_C1_CONTROLS = "".join(map(chr, range(0x80, 0xA0)))
_CONTROLS = "".join(chr(c) for c in (*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F)) + _C1_CONTROLS
UNSEEN = "\u00ad\u200b\u2060\ufeff" + _CONTROLS
# In a text dump the controls that Python, and so the splitter, reads as line breaks (vertical
# tab: a word processor's line break; the file, group and record separators) break lines, as
# they did in the program that wrote it: they stay, as whitespace. The others go.
UNSEEN_IN_TEXT = "".join(char for char in UNSEEN if len(f"a{char}b".splitlines()) == 1)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _holds_any(text: str, chars: str) -> bool:
    """Does text hold any of chars? Most texts hold none, and looking for each character in
    turn (`in`) is some twenty times faster than one scan with a character class."""
    return any(char in text for char in chars)


def _without(text: str, chars: str) -> str:
    """text less every one of chars."""
    if not _holds_any(text, chars):
        return text
    return re.sub(f"[{re.escape(chars)}]", "", text)


def drop_unseen_characters(text: str) -> str:
    """An HTML page's text as a reader sees it: without soft hyphens, zero-width spaces, word
    joiners, byte-order marks and control characters (`UNSEEN`)."""
    return _without(text, UNSEEN)


def visible_text(text: str) -> str:
    """A text dump as a reader sees it: `UNSEEN_IN_TEXT` dropped, the line breaks kept."""
    return _without(text, UNSEEN_IN_TEXT)


# UTF-8 read as Windows-1252 or Latin-1 upstream (a scraper taking a page without a declared
# charset for Latin-1, as `requests` does, or a CMS storing it so) shows "’" as "â€™" and "é" as
# "Ã©": a UTF-8 lead byte's character (Â to ô) before a continuation byte's (U+0080-U+00BF, or
# what Windows-1252 prints for 0x80-0xBF). A Windows-1252 page read as Latin-1 leaves C1
# controls ("Don\x92t"), which no real text holds.
_UTF8_LEADS = "".join(map(chr, range(0xC2, 0xF5)))
_CONTINUATIONS = re.escape(
    "".join(
        sorted(
            {chr(b) for b in range(0x80, 0xC0)}
            | {bytes([b]).decode("cp1252", "ignore") for b in range(0x80, 0xC0)}
        )
    )
)
# One pattern per lead, each opening with its literal: the regex engine finds a literal as fast
# as `in` does, where one character class over every lead was a scan costing ~5% of a build.
_AFTER_LEAD = {lead: re.compile(f"{re.escape(lead)}[{_CONTINUATIONS}]") for lead in _UTF8_LEADS}


def _shows_mojibake(text: str) -> bool:
    """Does text hold a C1 control, or a UTF-8 lead's character before a continuation's?"""
    if text.isascii():
        return False
    if _holds_any(text, _C1_CONTROLS):
        return True
    return any(lead in text and pair.search(text) for lead, pair in _AFTER_LEAD.items())


def repair_mojibake(text: str) -> tuple[str, list[str]]:
    """The text with each line that shows mojibake (`_shows_mojibake`) repaired by ftfy, and
    what ftfy did to them ("encode sloppy-windows-1252", "decode utf-8"; nothing when no line
    changed). A line at a time: a page's template is often right where the article its
    database stored is not. ftfy leaves alone what it does not judge to be mojibake."""
    if not _shows_mojibake(text):
        return text, []
    import ftfy

    lines = text.splitlines(keepends=True)
    steps: list[str] = []
    for n, line in enumerate(lines):
        if not _shows_mojibake(line):
            continue
        fixed, explanation = ftfy.fix_encoding_and_explain(line)
        if fixed != line:
            lines[n] = fixed
            for action, argument in explanation:
                if (step := f"{action} {argument}") not in steps:
                    steps.append(step)
    return "".join(lines), steps


def normalized(text: str) -> tuple[str, list[str]]:
    """The text as it is split and stored, and what was done to it (for `encoding`): mojibake
    repaired (repair_mojibake), then composed to Unicode NFC, so that a page written with
    combining accents ("e" and U+0301, as some Vietnamese sites and copies from macOS are)
    reads as one written precomposed: the same words for the layout rules, the stop words of
    language detection, the dates and the duplicate hashes."""
    text, steps = repair_mojibake(text)
    notes = [f"mojibake repaired ({', '.join(steps)})"] if steps else []
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        notes.append("composed to NFC")
    return text, notes


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


# Charsets that browsers read as a superset (the WHATWG Encoding Standard): a page that says
# "iso-8859-1" and prints curly quotes as 0x93 and 0x94 shows them, not C1 controls.
BROWSER_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gbk",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    # A page whose <meta> can be read in ASCII is not in UTF-16, whatever the <meta> says.
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
}


def decode_html(markup: bytes) -> Decoded:
    """The markup as text. A byte-order mark decides, as in browsers; then UTF-8 when the bytes
    are valid UTF-8 beyond ASCII, whatever the page declares (a page declared "iso-8859-1" but
    saved as UTF-8 is common; legacy text that happens to be valid multi-byte UTF-8 is not);
    then the declared charset, read as browsers read it, each byte it cannot decode a U+FFFD
    recorded in `bad_bytes`, as browsers show it, rather than a guess at another code page for
    a few broken bytes; then the text dumps' detection (`decode`)."""
    if markup.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(markup)
    decoded = None
    if not markup.isascii():
        with contextlib.suppress(UnicodeDecodeError):
            decoded = Decoded(markup.decode("utf-8"), "utf-8")
    if decoded is None and (declared := _declared_charset(markup)):
        decoded = _marking_bad(markup, declared)
    if decoded is None:
        return decode(markup)
    # A stray NUL (a broken scrape) decodes in UTF-8 and legacy code pages alike: counted as
    # undecodable, as in a text dump, not passed on silently.
    return _nuls_marked(markup, decoded) if b"\x00" in markup else decoded


def _declared_charset(markup: bytes) -> str | None:
    """The charset a <meta> declares, as browsers read it ("iso-8859-1" as cp1252), if Python
    knows it."""
    declared = _META_CHARSET.search(markup[:8192])
    if not declared:
        return None
    try:
        name = codecs.lookup(declared.group(1).decode("ascii")).name
    except LookupError:
        return None
    return BROWSER_SUPERSETS.get(name, name)


def _whitespace_of(node: etree._Element, tag: str, outer: Whitespace) -> Whitespace:
    if outer == "pre" or tag in PREFORMATTED:
        return "pre"
    texts = [node.text, *(child.tail for child in node)]
    return "flow" if any(t and not t.isspace() for t in texts) else "layout"


def _shown(text: str, whitespace: Whitespace) -> str:
    if whitespace == "pre":
        return text
    if whitespace == "layout" and "\n" in text and _HTML_WHITESPACE.fullmatch(text):
        return "\n"
    return _HTML_WHITESPACE.sub(" ", text)


def render_html(markup: bytes) -> str:
    """The visible text of an HTML page (see `render_markup`)."""
    return render_markup(decode_html(markup).text)[0]


def render_markup(text: str) -> tuple[str, list[str]]:
    """The visible text of an HTML page, one line per block element (what a reader sees), and
    what `normalized` did to it.

    Line breaks in the markup are read as a browser shows them, without the page's CSS: inside
    running text (an element holding words of its own) they are spaces, so paragraphs wrapped at
    80 columns stay one line; between the items of a menu or a byline (an element holding only
    other elements) they separate lines, as its stylesheet most likely does; in <pre> they stay.
    A page the parser cannot read whole (a tag with thousands of attributes, nesting past 2,048
    levels) is a ReadError, not the part of it that was read.
    Mojibake is repaired before the characters no reader sees are dropped (a soft hyphen read as
    Windows-1252 is "Â\xad"), and after the markup's entities are read ("&Atilde;&copy;", a CMS's
    escaped mojibake, shows as "Ã©").
    """
    _check_attribute_counts(text)
    # huge_tree: without it libxml2 stops at 256 levels of nesting, or at a text or attribute
    # over 10 MB, and drops the rest of the page without a word; pages with unclosed <div> or
    # <font> tags nest that deep, and pages saved whole hold images as long data: URIs.
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    root = lxml_html.document_fromstring(_XML_DECLARATION.sub("", text), parser=parser)
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT":  # what it still cannot hold: say so
            raise ReadError(
                f"HTML cut short at line {error.line:,}, column {error.column:,}: "
                f"{error.message.split(',')[0]} (unclosed tags?); the parser drops what follows"
            )
    body = root.find("body")
    shown, notes = normalized("".join(_visible_pieces(body if body is not None else root)))
    lines = (" ".join(line.split()) for line in drop_unseen_characters(shown).split("\n"))
    text = "\n".join(line for line in lines if line)
    return (text + "\n" if text else ""), notes


def _visible_pieces(top: etree._Element) -> list[str]:
    """The text of the elements under `top` that a reader sees, in document order, with a line
    break around each block element. A loop, not recursion: trees nest up to 2,048 deep."""
    pieces: list[str] = []
    add = pieces.append
    stack: list[tuple[etree._Element, Whitespace, bool | None]] = [(top, "layout", None)]
    while stack:
        node, outer, leaving_block = stack.pop()
        if leaving_block is None:  # entering it
            tag = node.tag.lower().split("}")[-1] if isinstance(node.tag, str) else ""
            if (
                tag in INVISIBLE
                or node.get("hidden") is not None
                or _HIDDEN_STYLE.search(node.get("style") or "") is not None
            ):
                if node.tail:
                    add(_shown(node.tail, outer))
                continue
            block = tag in BLOCK
            own = _whitespace_of(node, tag, outer)
            if block:
                add("\n")
            if node.text and tag:
                add(_shown(node.text, own))
            stack.append((node, outer, block))
            if len(node):
                stack.extend([(child, own, None) for child in reversed(node)])
            continue
        if leaving_block:  # its children are done
            add("\n")
        if node.tail:
            add(_shown(node.tail, outer))
    return pieces


# dateutil's UnknownTimezoneWarning, by its text (dateutil is trafilatura's dependency, not ours).
UNPLACED_ZONE_WARNING = r"tzname \S+ identified but not understood"


def html_reading(markup: str) -> dict[str, str | None]:
    """What trafilatura reads from the page's markup (as decoded for its text, so that both read
    the page in one charset), in one parse: title, author, date and site name, and `main_text`,
    the main article's text as its extractor finds it in the page's structure (favouring
    precision, comments left out), which the splitter follows for the main body."""
    import trafilatura

    try:
        with warnings.catch_warnings():
            # htmldate tries dates with dateutil, which warns of every zone abbreviation it
            # cannot place ("PST"); htmldate keeps the day alone, so the page's reading is whole.
            warnings.filterwarnings("ignore", message=UNPLACED_ZONE_WARNING)
            found = trafilatura.bare_extraction(
                _XML_DECLARATION.sub("", markup),
                with_metadata=True,
                favor_precision=True,
                include_comments=False,
            )
    except Exception:  # its bugs (htmldate's AssertionError on some tag soup) cost only
        return {}  # these fill-ins: the page's text is read, and split, without them
    if found is None:
        return {}
    return {
        "title": found.title,
        "byline": found.author,
        "published_raw": found.date,
        "source": found.sitename,
        "url": found.url,
        "main_text": found.text,
    }


def read_dump(path: Path, raw_dir: Path) -> RawFile:
    """Read one dump file; raises ReadError with the reason when it cannot become text."""
    size = path.stat().st_size
    if size > MAX_DUMP_BYTES:
        raise ReadError(
            f"too large for a page: {size:,} bytes, over MAX_DUMP_BYTES ({MAX_DUMP_BYTES:,}); "
            "split the file"
        )
    data = path.read_bytes()
    rel = path.relative_to(raw_dir).as_posix()
    sha = hashlib.sha256(data).hexdigest()
    name = path.name.lower()
    if name.endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(MAX_DUMP_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ReadError(f"not a valid gzip file: {exc}") from exc
        if len(data) > MAX_DUMP_BYTES:
            raise ReadError(
                f"too large for a page: over MAX_DUMP_BYTES ({MAX_DUMP_BYTES:,}) once unzipped; "
                "split the file"
            )
    if name.endswith(HTML_SUFFIXES):
        if not data.strip():
            raise ReadError("empty file")
        if _mostly_nul(data[:65536]) and not data.startswith(
            (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        ):
            raise ReadError("binary file: holds NUL bytes, not HTML")
        return _html_dump(dump_id_of(path), rel, sha, data)
    decoded = decode(data)
    if _is_markup(decoded.text):  # a page's source saved as .txt
        return _html_dump(dump_id_of(path), rel, sha, data)
    repaired, notes = normalized(decoded.text)
    text = visible_text(repaired)
    if not text.strip():
        raise ReadError(
            "no visible text: only control characters, soft hyphens or zero-width spaces"
        )
    return RawFile(
        dump_id_of(path),
        rel,
        sha,
        len(data),
        ", ".join([decoded.encoding, *notes]),
        text,
        decoded.bad_bytes,
        unseen_chars=len(repaired) - len(text),
    )


# How an HTML document opens: "<!DOCTYPE html", "<html", or an XML declaration and then one.
_MARKUP_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)
_HEAD_OR_BODY = re.compile(r"<(?:head|body)[\s>]", re.IGNORECASE)


def _is_markup(text: str) -> bool:
    """Is this text an HTML document (it opens as one and has a head or a body) rather than a
    page's visible text?"""
    opens_as_html = _MARKUP_START.match(text.lstrip("\ufeff")) is not None
    return opens_as_html and _HEAD_OR_BODY.search(text, 0, 65536) is not None


# No page's tag holds this many attributes; the parsers' time grows with the square of them
# (200,000 on one tag: hours), so one such page would stall a whole build.
MAX_TAG_ATTRIBUTES = 1000
_LONG_TAG = 2 * MAX_TAG_ATTRIBUTES  # the fewest characters that many attributes take ("a ")
# A tag, or the start of what libxml2 reads as raw text, where "<" opens no tag: a comment,
# or the body of a <script> or <style> (code there, "i<n; … =>", is no tag).
_TAG_OR_RAW_TEXT = re.compile(rf"<!--|<(script|style)\b[^<>]*>?|<[a-z][^<>]{{{_LONG_TAG},}}>", re.I)
_RAW_TEXT_END = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}
_ATTRIBUTE = re.compile(r"""[^\s"'=<>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]*))?""")


def _check_attribute_counts(markup: str) -> None:
    """Refuse a page with a tag holding over MAX_TAG_ATTRIBUTES attributes before any parser
    sees it. One pass over the markup, passing over comments, scripts and styles."""
    at = 0
    while (found := _TAG_OR_RAW_TEXT.search(markup, at)) is not None:
        token = found.group()
        if token == "<!--":
            end = markup.find("-->", found.end())
            at = len(markup) if end < 0 else end + 3
            continue
        if len(token) > _LONG_TAG:
            count = sum(1 for _ in _ATTRIBUTE.finditer(token, 1)) - 1  # less the tag's name
            if count > MAX_TAG_ATTRIBUTES:
                line = markup.count("\n", 0, found.start()) + 1
                column = found.start() - markup.rfind("\n", 0, found.start())
                raise ReadError(
                    f"HTML tag at line {line:,}, column {column:,} holds {count:,} attributes, "
                    f"over MAX_TAG_ATTRIBUTES ({MAX_TAG_ATTRIBUTES:,}): hours to parse"
                )
        at = found.end()
        if found.group(1):
            end_of_raw_text = _RAW_TEXT_END[found.group(1).lower()].search(markup, at)
            at = len(markup) if end_of_raw_text is None else end_of_raw_text.end()


def _html_dump(dump_id: str, rel: str, sha: str, data: bytes) -> RawFile:
    """An HTML page as a dump: its visible text, and what its markup says of the article."""
    decoded = decode_html(data)
    try:
        text, notes = render_markup(decoded.text)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(f"HTML could not be parsed: {exc}") from exc
    if not text.strip():
        raise ReadError("HTML page has no visible text")
    metadata = {
        key: value if value is None else normalized(value)[0]
        for key, value in html_reading(decoded.text).items()
    }
    encoding = ", ".join([f"html:{decoded.encoding}", *notes])
    return RawFile(dump_id, rel, sha, len(data), encoding, text, decoded.bad_bytes, metadata)


@dataclass(frozen=True)
class ManifestEntry:
    url: str | None
    crawled_at: datetime | None
    site: str | None


class ManifestError(ValueError):
    """A manifest that cannot be read; names the file, the line and the reason."""


# Manifest rows as a table: a crawl's manifest has a row per page, and as Python objects a row
# cost the build about 0.5 KB for as long as it ran (100k rows: 50 MB).
MANIFEST = {
    "file": pl.String,
    "url": pl.String,
    "crawled_at": pl.Datetime("us", "UTC"),
    "site": pl.String,
}
# Each dump's manifest row, aligned with the dumps: `listed` is false where none names it.
DUMP_ENTRIES = {"listed": pl.Boolean} | {k: v for k, v in MANIFEST.items() if k != "file"}
MANIFEST_BATCH = 65536  # manifest rows turned into columns at a time
LISTED_ROWS = 20  # manifest rows of each kind of warning named one by one


def _listed_path(value: str) -> str:
    """A manifest's `file` as the dumps' paths are written: '/'-separated, with no leading "./"
    (`find . -name '*.txt'` prints "./sub/page.txt", a Windows tool "sub\\page.txt")."""
    path = value.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def read_manifest(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """Manifest rows (MANIFEST), one per file name or relative path (the last row naming it
    wins), and warnings for rows that could not be used (with their line numbers). The file is
    read a row at a time and the rows become columns MANIFEST_BATCH at a time, so a crawl's
    manifest never sits in memory as text or as Python objects whole. It is UTF-8 (with or
    without a BOM), UTF-16 with a BOM (a spreadsheet's "Unicode text"), or else cp1252, as
    spreadsheets on Windows save CSV, with a warning saying so."""
    if not path.exists():
        raise ManifestError(f"manifest {path} does not exist")
    suffix = path.suffix.lower()
    if suffix not in {".jsonl", ".ndjson", ".json", ".csv"}:
        raise ManifestError(f"manifest {path}: use a .csv or .jsonl file, not {path.suffix!r}")
    with path.open("rb") as file:
        utf16 = file.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    try:
        return _manifest_rows(path, suffix, "utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        not_utf8 = f"manifest {path}: not UTF-8 text ({exc.reason})"
        if utf16:
            raise ManifestError(f"manifest {path}: not UTF-16 text ({exc.reason})") from exc
    if _holds_utf8_sequences(path):  # UTF-8 with a few broken bytes, not another code page
        table, warnings = _manifest_rows(path, suffix, "utf-8-sig", errors="replace")
        return table, [f"{not_utf8}; read as UTF-8, such bytes as U+FFFD", *warnings]
    try:
        table, warnings = _manifest_rows(path, suffix, "cp1252")
    except UnicodeDecodeError as exc:
        raise ManifestError(not_utf8) from exc
    return table, [f"{not_utf8}; read as cp1252, as spreadsheets on Windows save CSV", *warnings]


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _holds_utf8_sequences(path: Path) -> bool:
    """Does the file hold a multi-byte UTF-8 sequence (read a megabyte at a time)? cp1252 text
    all but never does ("Ã©" is the mojibake of UTF-8's "é")."""
    with path.open("rb") as file:
        while chunk := file.read(2**20):
            if _UTF8_SEQUENCE.search(chunk):
                return True
    return False


def _manifest_rows(
    path: Path, suffix: str, encoding: str, errors: str = "strict"
) -> tuple[pl.DataFrame, list[str]]:
    batches: list[pl.DataFrame] = []
    columns: dict[str, list] = {name: [] for name in MANIFEST}
    warnings = _RowWarnings(path)
    with path.open(encoding=encoding, errors=errors, newline="") as file:
        rows = _csv_rows(path, file) if suffix == ".csv" else _jsonl_rows(path, file, warnings)
        for line_no, row in rows:
            name = _listed_path(row.get("file") or "")
            if not name:
                warnings.add("without a 'file' value", line_no, "row has no 'file' value; ignored")
                continue
            columns["file"].append(name)
            columns["url"].append(row.get("url") or None)
            columns["crawled_at"].append(_crawl_time(row, line_no, warnings))
            columns["site"].append(row.get("site") or None)
            if len(columns["file"]) == MANIFEST_BATCH:
                batches.append(pl.DataFrame(columns, schema=MANIFEST))
                columns = {name: [] for name in MANIFEST}
    batches.append(pl.DataFrame(columns, schema=MANIFEST))
    table = pl.concat(batches, rechunk=True)
    return table.unique("file", keep="last", maintain_order=True), warnings.lines()


class _RowWarnings:
    """What is wrong with manifest rows: the first LISTED_ROWS of each kind by line, then how
    many more (a manifest with a misnamed column or another date format would otherwise give
    the report a line per row)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.listed: list[str] = []
        self.counts: Counter[str] = Counter()

    def add(self, kind: str, line_no: int, text: str) -> None:
        self.counts[kind] += 1
        if self.counts[kind] <= LISTED_ROWS:
            self.listed.append(f"{self.path}:{line_no}: {text}")

    def lines(self) -> list[str]:
        lines = list(self.listed)
        for kind, count in self.counts.items():
            more = count - LISTED_ROWS
            if more > 0:
                lines.append(f"{self.path}: {more} more {'row' if more == 1 else 'rows'} {kind}")
        return lines


CSV_DELIMITERS = (",", ";", "\t")


def _column_key(name: str) -> str:
    """A CSV column's name as it is looked up: without case or surrounding spaces."""
    return name.strip().casefold()


def _column_names(header: str, delimiter: str) -> list[str]:
    try:
        return [_column_key(name) for name in next(csv.reader([header], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return []


def _csv_rows(path: Path, file: Iterable[str]) -> Iterator[tuple[int, dict]]:
    """A CSV manifest's rows with the line each ends on; column names are read without case
    or surrounding spaces ("File", " url"), and the columns may be parted by commas or, as
    spreadsheets in many locales save them, by semicolons or tabs (CSV_DELIMITERS: the first
    that gives a `file` column)."""
    lines = iter(file)
    first = next(lines, None)
    if first is None:  # an empty file: no rows
        return
    delimiter = next(
        (d for d in CSV_DELIMITERS if "file" in _column_names(first, d)), CSV_DELIMITERS[0]
    )
    reader = csv.DictReader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        header = reader.fieldnames
        if header is None:  # blank lines only: no rows
            return
        reader.fieldnames = [_column_key(name) for name in header]
        if "file" not in reader.fieldnames:
            raise ManifestError(
                f"manifest {path}: no 'file' column (its columns: {', '.join(header)}); "
                f"expected {', '.join(MANIFEST)}"
            )
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        # The row being read starts on the line after the last one read.
        raise ManifestError(f"{path}:{reader.line_num + 1}: not valid CSV ({exc})") from exc


# crawled_at as crawlers write it, besides ISO 8601: a Wayback / Common Crawl timestamp
# ("20250602115900"), Unix seconds or milliseconds, an HTTP or e-mail date
# ("Mon, 02 Jun 2025 11:59:00 GMT").
_CDX_TIMESTAMP = re.compile(r"\d{14}")
_UNIX_SECONDS = re.compile(r"\d{9,10}(?:\.\d+)?")
_UNIX_MILLISECONDS = re.compile(r"\d{13}")


def _crawl_time(row: dict, line_no: int, warnings: _RowWarnings) -> datetime | None:
    """A row's crawled_at in UTC (a time without a zone is taken as UTC), or None with a
    warning when it is no date."""
    raw_time = (row.get("crawled_at") or "").strip()
    if not raw_time:
        return None
    crawled = _parse_crawl_time(raw_time)
    if crawled is None:
        warnings.add(
            "with a crawled_at that is no date",
            line_no,
            f"crawled_at {raw_time!r} is no date (ISO 8601, an HTTP date, a 14-digit timestamp "
            "or Unix seconds); relative dates of this dump stay unresolved",
        )
        return None
    if crawled.tzinfo is None:
        crawled = crawled.replace(tzinfo=UTC)
    return crawled.astimezone(UTC)


def _parse_crawl_time(text: str) -> datetime | None:
    try:
        if _CDX_TIMESTAMP.fullmatch(text):
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        if _UNIX_MILLISECONDS.fullmatch(text):
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        if _UNIX_SECONDS.fullmatch(text):
            return datetime.fromtimestamp(float(text), UTC)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def file_names(paths: pl.Series | pl.Expr) -> pl.Series | pl.Expr:
    """The last part of each '/'-separated path."""
    return paths.str.split("/").list.last()


def manifest_entries(paths: pl.Series, manifest: pl.DataFrame) -> pl.DataFrame:
    """Each dump's manifest row (DUMP_ENTRIES), found by its relative path, or else by its
    file name: a row naming just that name, else the last row whose path ends in it (a manifest
    written from another folder, or with absolute paths, names the same files). In the order of
    `paths`."""
    listed = manifest.with_columns(listed=pl.lit(True))
    has_folder = pl.col("file").str.contains("/", literal=True)
    by_name = pl.concat(
        [
            listed.filter(has_folder).with_columns(file=file_names(pl.col("file"))),
            listed.filter(~has_folder),
        ]
    ).unique("file", keep="last", maintain_order=True)
    joined = (
        pl.DataFrame({"path": paths, "name": file_names(paths)})
        .join(listed, left_on="path", right_on="file", how="left", maintain_order="left")
        .join(
            by_name,
            left_on="name",
            right_on="file",
            how="left",
            suffix="_by_name",
            maintain_order="left",
        )
    )
    by_path = pl.col("listed").fill_null(False)
    return joined.select(
        pl.when(by_path).then(pl.col(c)).otherwise(pl.col(f"{c}_by_name")).alias(c)
        for c in DUMP_ENTRIES
    ).with_columns(pl.col("listed").fill_null(False))


def entry_of(
    listed: bool, url: str | None, crawled_at: datetime | None, site: str | None
) -> ManifestEntry | None:
    """A DUMP_ENTRIES row as the ManifestEntry the splitter takes, or None when unlisted."""
    return ManifestEntry(url, crawled_at, site) if listed else None


# What JSON's "\ud800" escapes give when no second half follows: the writer (JavaScript's
# JSON.stringify, for one) cut a string inside a character. No UTF-8 column can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _manifest_text(name: str, value: object, line_no: int, warnings: _RowWarnings) -> str | None:
    """A JSON value as a manifest field's text: a string as it is, a number as JSON writes it
    (Unix seconds in crawled_at); an object, list or true/false is no file, url, time or site,
    so it is left out with a warning rather than kept as Python's spelling of it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    kind = {dict: "an object", list: "a list", bool: "true/false"}[type(value)]
    warnings.add(
        f"with a {name} that is not text",
        line_no,
        f"{name} is {kind} ({json.dumps(value, ensure_ascii=False)[:40]}), not text; ignored",
    )
    return None


def _jsonl_rows(
    path: Path, lines: Iterable[str], warnings: _RowWarnings
) -> Iterator[tuple[int, dict]]:
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("["):
            raise ManifestError(
                f"{path}:{n}: a JSON array; write one JSON object per line (JSON Lines)"
            )
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ManifestError(f"{path}:{n}: expected a JSON object per line")
        row = {_column_key(key): value for key, value in row.items()}  # as a CSV header is
        values = {name: _manifest_text(name, row.get(name), n, warnings) for name in MANIFEST}
        for name in MANIFEST:
            if values.get(name) and _LONE_SURROGATE.search(values[name]):
                values[name] = _LONE_SURROGATE.sub("\ufffd", values[name])
                warnings.add(
                    "with half a character",
                    n,
                    f"{name} holds half of a UTF-16 character (a \\ud800-\\udfff escape alone), "
                    "read as U+FFFD",
                )
        yield n, values
