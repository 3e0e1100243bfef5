"""Reading dumps: encodings, HTML, bad files, manifests."""

from __future__ import annotations

import gzip
import html
import os
import unicodedata
import warnings
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from istanbul_talks.dataset import read as read_module
from istanbul_talks.dataset.build import build
from istanbul_talks.dataset.read import (
    DUMP_ENTRIES,
    MANIFEST,
    UNREAD_FILES,
    ManifestEntry,
    ManifestError,
    RawFile,
    ReadError,
    decode,
    discover,
    dump_id_of,
    entry_of,
    manifest_entries,
    read_dump,
    read_manifest,
    render_html,
)

from tests.conftest import read_as_windows_1252

TEXT = "Türkiye hosts talks — «Istanbul» café\nSecond line with Ç and ş.\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-32"), "utf-32"),
    ],
)
def test_unicode_encodings_are_detected_and_recorded(data, encoding):
    decoded = decode(data)
    assert decoded.text == TEXT
    assert decoded.encoding == encoding
    assert decoded.bad_bytes == []


# The same news in the languages of the legacy code pages a crawl meets.
LEGACY_TEXTS = {
    "French, Spanish, German": (
        "Les délégations de l’Ukraine et de la Russie se sont réunies à nouveau vendredi à "
        "Istanbul. Les négociations ont duré plusieurs heures — selon les responsables, les deux "
        "parties se sont mises d’accord sur un échange de prisonniers.\n"
        "Las delegaciones de Ucrania y Rusia se reunieron de nuevo el viernes en Estambul. Según "
        "los funcionarios, ambas partes acordaron un intercambio de prisioneros.\n"
        "Die Delegationen trafen sich am Freitag erneut in Istanbul. Die Gespräche über eine "
        "Waffenruhe dauerten mehrere Stunden. „Wir sind zufrieden“, sagte der Außenminister.\n"
    ),
    "English": (
        "The delegations met again on Friday in Istanbul. “We are not there yet,” the minister "
        "said — but the talks, which lasted several hours, ended with a deal on prisoners.\n"
        "Officials said the next round would take place next week… if the situation allows.\n"
    ),
    "Czech": (
        "Delegace Ukrajiny a Ruska se v pátek znovu sešly v Istanbulu. Jednání o příměří trvala "
        "několik hodin a podle úředníků se obě strany dohodly na výměně zajatců. Ministr "
        "zahraničí řekl, že další kolo rozhovorů se uskuteční příští týden.\n"
    ),
    "Polish": (
        "Delegacje Ukrainy i Rosji spotkały się ponownie w Stambule w piątek. Rozmowy o "
        "zawieszeniu broni trwały kilka godzin, a według urzędników obie strony zgodziły się na "
        "wymianę jeńców. Minister spraw zagranicznych powiedział, że kolejna runda rozmów "
        "odbędzie się w przyszłym tygodniu, jeśli sytuacja na to pozwoli. Obie delegacje mają też "
        "omówić sprawę dzieci, które są poza domem od początku wojny.\n"
    ),
    "Turkish": (
        "Ukrayna ve Rusya heyetleri cuma günü İstanbul'da yeniden bir araya geldi. Ateşkes "
        "görüşmeleri birkaç saat sürdü ve yetkililere göre iki taraf esir değişimi konusunda "
        "anlaştı. Dışişleri Bakanı, bir sonraki turun gelecek hafta yapılacağını söyledi.\n"
    ),
    "Latvian": (
        "Ukrainas un Krievijas delegācijas piektdien atkal tikās Stambulā. Sarunas par pamieru "
        "ilga vairākas stundas, un, pēc amatpersonu teiktā, abas puses vienojās par gūstekņu "
        "apmaiņu. Ārlietu ministrs sacīja, ka nākamā sarunu kārta notiks nākamnedēļ.\n"
    ),
    "Russian": (
        "Делегации Украины и России в пятницу снова встретились в Стамбуле. Переговоры о "
        "прекращении огня продолжались несколько часов, и, по словам чиновников, стороны "
        "договорились об обмене пленными. Министр заявил, что следующий раунд состоится на "
        "следующей неделе.\n"
    ),
    "Greek": (
        "Οι αντιπροσωπείες της Ουκρανίας και της Ρωσίας συναντήθηκαν ξανά την Παρασκευή στην "
        "Κωνσταντινούπολη. Οι συνομιλίες για εκεχειρία διήρκεσαν αρκετές ώρες και, σύμφωνα με "
        "αξιωματούχους, οι δύο πλευρές συμφώνησαν σε ανταλλαγή αιχμαλώτων.\n"
    ),
}


@pytest.mark.parametrize(
    ("language", "encoding", "recorded"),
    [
        ("French, Spanish, German", "cp1252", "cp1252"),
        ("English", "cp1252", "cp1252"),
        ("Czech", "cp1250", "cp1250"),
        ("Czech", "iso8859_2", "iso8859_2"),
        ("Polish", "cp1250", "cp1250"),
        ("Polish", "iso8859_2", "iso8859_2"),
        ("Turkish", "cp1254", "cp1254"),
        ("Turkish", "iso8859_9", "cp1254"),
        ("Latvian", "cp1257", "cp1257"),
        ("Russian", "cp1251", "cp1251"),
        ("Russian", "koi8_r", "koi8_r"),
        ("Greek", "cp1253", "cp1253"),
    ],
)
def test_legacy_code_pages_are_told_apart(language, encoding, recorded):
    """charset-normalizer alone read the French as cp1250, the English (curly quotes, dashes)
    as cp852 and the Turkish as cp1250."""
    text = LEGACY_TEXTS[language]
    decoded = decode(text.encode(encoding))
    assert (decoded.encoding, decoded.text, decoded.bad_bytes) == (recorded, text, [])


def test_real_pages_saved_as_cp1252_read_back_exactly():
    """The generality set's pages whose text cp1252 can hold, saved in it (a quarter of them
    came back as cp1250, cp852 or another code page before)."""
    pages = sorted(Path(__file__).parent.glob("fixtures/generality/pages/*.txt"))
    wrong, tried = [], 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        try:
            data = text.encode("cp1252")
        except UnicodeEncodeError:
            continue
        if data.isascii():
            continue
        tried += 1
        decoded = decode(data)
        if (decoded.encoding, decoded.text) != ("cp1252", text):
            wrong.append((page.name, decoded.encoding))
    assert tried >= 90
    assert wrong == []


def test_a_byte_cp1252_leaves_undefined_is_recorded_not_fatal():
    text = "Le café de la place — “déjà vu” pour les négociateurs, très fatigués.\n" * 50
    data = text.encode("cp1252") + b"Fin \x81 du texte.\n"
    decoded = decode(data)
    assert decoded.encoding == "cp1252"
    assert decoded.text == text + "Fin \ufffd du texte.\n"
    assert decoded.bad_bytes == [(len(data) - 12, len(data) - 11)]


def test_a_few_broken_bytes_in_utf8_are_recorded_not_fatal():
    data = ("Ankara says ü " * 200).encode() + b"\xff\xfe" + (" and more text é" * 200).encode()
    decoded = decode(data)
    assert decoded.encoding == "utf-8"
    assert decoded.bad_bytes == [(3000, 3001), (3001, 3002)]
    assert decoded.text.count("\ufffd") == 2


def test_a_stray_nul_byte_in_a_text_is_recorded_not_fatal():
    """A broken scrape leaves a NUL in an otherwise good page: the page is read, the byte
    recorded as undecodable, as a broken UTF-8 byte is."""
    data = ("Ankara says the talks will go on. " * 100).encode() + b"\x00" + b" More text.\n"
    decoded = decode(data)
    assert decoded.encoding == "utf-8"
    assert decoded.bad_bytes == [(3400, 3401)]
    assert decoded.text == data.decode().replace("\x00", "\ufffd")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "only whitespace"),
        (bytes(range(256)) * 20, "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(500), "binary file"),
    ],
)
def test_unreadable_dumps_raise_with_the_reason(data, reason):
    with pytest.raises(ReadError, match=reason):
        decode(data)


def test_html_is_rendered_to_visible_lines():
    markup = b"""<html><head><title>T</title><style>p{}</style></head><body>
    <nav><a href='/'>Home</a> <a>World</a></nav>
    <h1>Talks resume in Istanbul</h1><script>var x = 1;</script>
    <p>First paragraph with <b>bold</b> text.</p><div style="display:none">hidden</div>
    <p>Second&nbsp;paragraph.</p></body></html>"""
    assert render_html(markup) == (
        "Home World\nTalks resume in Istanbul\nFirst paragraph with bold text.\nSecond paragraph.\n"
    )


@pytest.mark.parametrize(
    ("declared", "code_page", "text"),
    [
        ("iso-8859-1", "cp1252", "“Talks go on” — the minister’s words, in Genève."),
        ("ISO-8859-9", "cp1254", "“Görüşmeler sürüyor” — Bakan’ın sözleri."),
    ],
)
def test_a_declared_charset_is_read_as_browsers_read_it(declared, code_page, text):
    """A page that says iso-8859-1 and prints curly quotes as 0x93 and 0x94 shows them."""
    markup = (
        f'<html><head><meta charset="{declared}"></head><body><p>{text}</p></body></html>'
    ).encode(code_page)
    assert render_html(markup) == text + "\n"


def test_a_page_declared_in_a_legacy_charset_but_saved_as_utf8_is_read_as_utf8(tmp_path):
    """Its text and trafilatura's title read the page in one charset: no "TÃ¼rkÃ§e" body under
    a "Türkçe" title."""
    body = "Türkçe görüşmeler İstanbul’da sürüyor, dedi bakan. " * 5
    page = tmp_path / "page.html"
    page.write_bytes(
        '<html><head><meta charset="iso-8859-1"><title>Görüşmeler sürüyor</title></head>'
        f"<body><p>{body}</p></body></html>".encode()
    )
    raw = read_dump(page, tmp_path)
    assert (raw.encoding, raw.text, raw.bad_bytes) == ("html:utf-8", body.strip() + "\n", [])
    assert raw.html_metadata["title"] == "Görüşmeler sürüyor"


def test_broken_bytes_in_a_page_declared_utf8_are_marked_not_read_as_another_code_page(tmp_path):
    """A browser shows U+FFFD for them; a guess from the broken bytes read the whole page as a
    Japanese code page, every "è" and "İ" of it mojibake. (Past MAX_BAD_BYTE_SHARE of broken
    bytes, the declaration is wrong and the page's encoding is detected, as for a text dump.)"""
    lede = "Genève, İstanbul: the delegations met again on Monday. " * 10
    head = f"<html><head><meta charset='utf-8'></head><body><p>{lede}".encode()
    page = tmp_path / "page.html"
    page.write_bytes(head + b"\xed\xa0\x80 talks go on.</p></body></html>")
    raw = read_dump(page, tmp_path)
    assert (raw.encoding, raw.text) == ("html:utf-8", f"{lede}\ufffd\ufffd\ufffd talks go on.\n")
    assert raw.bad_bytes == [(len(head) + i, len(head) + i + 1) for i in range(3)]


def test_a_meta_saying_utf16_on_a_page_read_in_ascii_means_utf8(tmp_path):
    """As browsers read it: a <meta> that can be read in ASCII is not in UTF-16."""
    page = tmp_path / "page.html"
    page.write_bytes(
        '<html><head><meta charset="utf-16"></head><body><p>Genève talks</p></body></html>'.encode()
    )
    assert read_dump(page, tmp_path).text == "Genève talks\n"


def test_soft_hyphens_and_zero_width_spaces_are_not_shown_but_joiners_stay():
    """A German site's "Bundes&shy;regierung" is one word, as a reader and trafilatura see it;
    a Persian word keeps its zero-width non-joiner."""
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a ZWNJ
    markup = (
        "<html><body><p>Die Bundes&shy;regierung in Ber\u00adlin hat\u200b am Montag "
        f"\ufeffentschieden, sagte er \u2060heute. {persian}</p></body></html>"
    ).encode()
    assert render_html(markup) == (
        f"Die Bundesregierung in Berlin hat am Montag entschieden, sagte er heute. {persian}\n"
    )


def test_control_characters_a_cms_left_in_a_page_are_not_shown():
    text = "Talks\x01 go on\x7f in Gen\x1fève,\tsaid\x07 the minister."
    markup = f"<html><body><p>{text}</p></body></html>"
    assert render_html(markup.encode()) == "Talks go on in Genève, said the minister.\n"


def _read_saved(tmp_path: Path, name: str, text: str) -> RawFile:
    """The dump `talks build` reads from a file holding text in UTF-8."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_dump(path, tmp_path)


def test_a_text_dump_loses_what_no_reader_sees_and_keeps_its_line_breaks(tmp_path):
    """As an HTML page's rendering does: a BEL or SOH a scraper left, a soft hyphen copied from
    the browser ("Bundes\u00adregierung"), a zero-width space, a byte-order mark mid-text, DEL.
    A vertical tab (a word processor's line break) and a record separator still break lines;
    the zero-width non-joiner of a Persian word stays. The report counts what was dropped."""
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    text = (
        "Talks\x07 go on\x01\vDie Bundes\u00adregierung hat\u200b am \ufeffMontag\x7f "
        f"entschieden.\x1eGen\x1fève {persian}\n"
    )
    raw = _read_saved(tmp_path, "page.txt", text)
    assert raw.text == (
        f"Talks go on\vDie Bundesregierung hat am Montag entschieden.\x1eGenève {persian}\n"
    )
    assert (raw.encoding, raw.unseen_chars) == ("utf-8", 7)
    assert raw.text.splitlines() == [
        "Talks go on",
        "Die Bundesregierung hat am Montag entschieden.",
        f"Genève {persian}",
    ]


def test_mojibake_lines_of_a_text_dump_are_repaired_and_the_repair_recorded(tmp_path):
    """UTF-8 read as Windows-1252 upstream ("â€™" for "’"), in the article but not in the
    page's template, which already reads right; text that merely looks alike stays."""
    article = "Talks in Türkiye – the “first step”, said Çavuşoğlu’s aide in Genève.\n"
    template = "Menu · Home ’ Türkiye\nCafé’s menu, São Paulo, SÃO PAULO\n"
    mojibake = read_as_windows_1252(article)
    assert "â€œ" in mojibake
    raw = _read_saved(tmp_path, "page.txt", template + mojibake)
    assert raw.text == template + article
    assert raw.encoding == "utf-8, mojibake repaired (encode sloppy-windows-1252, decode utf-8)"
    raw = _read_saved(tmp_path, "page.txt", template + article)
    assert (raw.encoding, raw.text) == ("utf-8", template + article)


def test_a_text_written_with_combining_accents_is_read_composed(tmp_path):
    """Vietnamese as some sites write it, and a French date: decomposed (NFD), they read as
    the precomposed text does, and the encoding says the text was composed."""
    text = "Cuộc đàm phán hòa bình tại Istanbul đã bắt đầu.\nPublié le 2 août 2025.\n"
    raw = _read_saved(tmp_path, "page.txt", unicodedata.normalize("NFD", text))
    assert (raw.text, raw.encoding) == (text, "utf-8, composed to NFC")
    assert _read_saved(tmp_path, "page.txt", text).encoding == "utf-8"
    page = "<html><body><p>" + unicodedata.normalize("NFD", text) + "</p></body></html>"
    raw = _read_saved(tmp_path, "page.html", page)
    assert (raw.text, raw.encoding) == (
        " ".join(text.split()) + "\n",
        "html:utf-8, composed to NFC",
    )


def test_c1_controls_of_windows_1252_read_as_latin1_are_repaired(tmp_path):
    raw = _read_saved(tmp_path, "page.txt", "Don\x92t say \x93never\x94, he said \x96 twice.\n")
    assert raw.text == "Don’t say “never”, he said – twice.\n"
    assert raw.encoding == "utf-8, mojibake repaired (encode latin-1, decode windows-1252)"


def test_c1_controls_no_code_page_defines_are_not_shown(tmp_path):
    """U+0081 and U+008D, which no repair can read, are dropped and counted; beside them, a NEL
    (U+0085) is Windows-1252's ellipsis, and each step of the repair is named once."""
    raw = _read_saved(tmp_path, "page.txt", "Talks\x81 go on in Gen\x8dève.\n")
    assert (raw.text, raw.encoding, raw.unseen_chars) == ("Talks go on in Genève.\n", "utf-8", 2)
    raw = _read_saved(tmp_path, "page.html", "<p>Talks\x81 go on\x85 in Gen\x8dève.</p>")
    assert raw.text == "Talks go on… in Genève.\n"
    assert raw.encoding == "html:utf-8, mojibake repaired (transcode fix_c1_controls)"


def test_mojibake_in_an_html_pages_article_is_repaired(tmp_path):
    """Its soft hyphen, repaired, is dropped as the rendering drops one."""
    lede = "The delegations met in Türkiye on Monday – a “first step”."
    hyphenated = lede.replace("delegations", "dele\u00adgations")
    markup = (
        "<html><head><meta charset='utf-8'><title>Talks</title></head><body><h1>Talks go on</h1>"
        f"<p>{read_as_windows_1252(hyphenated)}</p></body></html>"
    )
    raw = _read_saved(tmp_path, "page.html", markup)
    assert raw.text == f"Talks go on\n{lede}\n"
    assert raw.encoding.startswith("html:utf-8, mojibake repaired (encode sloppy-windows-1252")
    escaped = html.escape(read_as_windows_1252(hyphenated)).encode("ascii", "xmlcharrefreplace")
    page = tmp_path / "escaped.html"
    page.write_bytes(b"<html><body><h1>Talks go on</h1><p>" + escaped + b"</p></body></html>")
    assert b"&" in escaped and escaped.isascii()
    raw = read_dump(page, tmp_path)
    assert raw.text == f"Talks go on\n{lede}\n"
    assert raw.encoding.startswith("html:utf-8, mojibake repaired (")


def test_a_text_dump_of_only_characters_no_reader_sees_is_a_read_error(tmp_path):
    with pytest.raises(ReadError, match="no visible text: only control characters"):
        _read_saved(tmp_path, "page.txt", "\u00ad\u200b" * 40 + "\n")


def test_line_breaks_in_running_text_are_spaces_between_items_lines_and_kept_in_pre():
    markup = b"""<html><body><nav><a>Home</a>
<a>World</a> <a>Sport</a></nav><p>Horror stories about the <a>taxi</a> service have
been commonplace in recent months,
but there is <em>more</em>
<em>to learn</em>.</p><p>Line one<br>line two</p>
<pre>x = 1
y = 2</pre></body></html>"""
    assert render_html(markup) == (
        "Home\nWorld Sport\n"
        "Horror stories about the taxi service have been commonplace in recent months, "
        "but there is more to learn.\nLine one\nline two\nx = 1\ny = 2\n"
    )


PARAGRAPHS = [f"Paragraph {n} of the story, as the reader sees it." for n in range(8)]


@pytest.mark.parametrize(
    "markup",
    [
        # an image saved into the page: an attribute over libxml2's default 10 MB limit
        "<p>{0}</p><p>{1}</p><img src='data:image/png;base64," + "A" * 11_000_000 + "'>"
        "<p>{2}</p><p>{3}</p><p>{4}</p><p>{5}</p><p>{6}</p><p>{7}</p>",
        # a CMS that never closes its <font> and <div> tags: 600 levels, past the default 256
        "".join(f"<div><font>{{{n % 8}}}" for n in range(600)),
        # closed, but 2,000 levels deep: more than Python's recursion limit
        "<div>" * 2000 + "{0}" + "</div>" * 2000 + "".join(f"<p>{{{n}}}</p>" for n in range(1, 8)),
    ],
    ids=["data-uri-image", "600-unclosed-tags", "2000-levels"],
)
def test_pages_the_parser_reads_only_in_part_by_default_are_rendered_whole(markup):
    """Without huge_tree, libxml2 dropped the rest of such pages silently (3 of 8 paragraphs)."""
    page = f"<html><body>{markup.format(*PARAGRAPHS)}</body></html>"
    lines = render_html(page.encode()).splitlines()
    assert lines == (PARAGRAPHS * 75 if "font" in markup else PARAGRAPHS)


def test_a_page_nested_past_what_the_parser_holds_is_a_read_error_not_a_part_of_it(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body><p>Kept?</p>" + "<div>" * 3000 + "<p>Dropped.</p></body></html>")
    with pytest.raises(ReadError, match=r"HTML cut short at line 1, column [\d,]+: Excessive dep"):
        read_dump(page, tmp_path)


def test_a_tag_with_more_attributes_than_any_page_holds_is_refused_before_parsing(tmp_path):
    """Parsing time grows with the square of a tag's attributes: 200,000 took hours."""
    attributes = " ".join(f"data-a{n}='1'" for n in range(1001))
    page = tmp_path / "page.html"
    page.write_text(f"<html><body>\n<p>Text.</p><div {attributes}>More.</div></body></html>")
    with pytest.raises(ReadError, match=r"tag at line 2, column 13 holds 1,001 attributes, over"):
        read_dump(page, tmp_path)
    fewer = attributes.rsplit(" ", 1)[0]
    in_code = f"<script>if (i<n) {{ {attributes} }}</script><!-- <b {attributes}> -->"
    page.write_text(f"<html><body><p>Text.</p><div {fewer}>More.</div>{in_code}</body></html>")
    assert read_dump(page, tmp_path).text == "Text.\nMore.\n"


def test_a_page_trafilaturas_metadata_reader_fails_on_is_read_without_its_metadata(tmp_path):
    """htmldate (inside trafilatura) raises AssertionError on this tag soup; the page's text
    does not depend on it, so the page is read, and only the metadata fill-ins are left out."""
    page = tmp_path / "soup.html"
    page.write_text("<!><embed><meta><e><p>The talks resumed in Istanbul on Monday.</p>")
    raw = read_dump(page, tmp_path)
    assert (raw.text, raw.html_metadata) == ("The talks resumed in Istanbul on Monday.\n", {})


def test_dateutils_warnings_of_zone_names_it_cannot_place_stay_off_the_console(
    tmp_path, monkeypatch
):
    """htmldate (inside trafilatura) tries a page's dates with dateutil, which warns of every
    zone abbreviation it cannot place ("2016-12-13T15:45:00CST", a Chicago Tribune page's
    `<time datetime>`); htmldate keeps the day alone, so a build printed one such warning per
    page for nothing. The warning is dateutil's own, raised inside the extraction."""
    import trafilatura
    from dateutil.parser import parse

    extraction = trafilatura.bare_extraction

    def extraction_meeting_a_zone_name(*args, **kwargs):
        parse("2016-12-13T15:45:00CST")
        return extraction(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", extraction_meeting_a_zone_name)
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Talks resume</title></head><body><p>Text.</p></body>")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raw = read_dump(page, tmp_path)
    assert [str(w.message) for w in caught] == []
    assert raw.html_metadata["title"] == "Talks resume"
    with warnings.catch_warnings(record=True) as caught:  # elsewhere, dateutil still warns
        warnings.simplefilter("always")
        parse("2016-12-13T15:45:00CST")
    assert [w.category.__name__ for w in caught] == ["UnknownTimezoneWarning"]


def test_gzipped_html_dump_is_read(tmp_path):
    page = b"<html><body><h1>Title of it all</h1><p>Body text here.</p></body></html>"
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(page, mtime=0))
    raw = read_dump(path, tmp_path)
    assert raw.dump_id == "page"
    assert raw.encoding == "html:utf-8"
    assert raw.text == "Title of it all\nBody text here.\n"


def test_gzipped_text_dump_is_read_with_its_encoding(tmp_path):
    text = "Talks in Istanbul\n\nThe delegations met for a second day, a \u201cfirst step\u201d.\n"
    path = tmp_path / "page.txt.gz"
    path.write_bytes(gzip.compress(text.encode("cp1252"), mtime=0))
    assert discover(tmp_path)[0].rows() == [("page.txt.gz", "page")]
    raw = read_dump(path, tmp_path)
    assert (raw.dump_id, raw.encoding, raw.text) == ("page", "cp1252", text)


@pytest.mark.parametrize(
    ("opening", "encoding"),
    [
        ("<!DOCTYPE html>\n<html>", "html:utf-8"),
        ("\ufeff  <HTML lang='en'>", "html:utf-8-sig"),
        ('<?xml version="1.0"?><html>', "html:utf-8"),
    ],
)
def test_a_pages_source_saved_as_txt_is_read_as_html(tmp_path, opening, encoding):
    path = tmp_path / "source.txt"
    path.write_text(
        f"{opening}<head><script>var x = 1;</script></head><body><h1>Title of it all</h1>"
        "<p>Body text here.</p></body></html>",
        encoding="utf-8",
    )
    raw = read_dump(path, tmp_path)
    assert (raw.encoding, raw.text) == (encoding, "Title of it all\nBody text here.\n")


def test_text_that_speaks_of_markup_stays_text(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("<html> tags open a page, the tutorial says.\nSecond line.\n")
    raw = read_dump(path, tmp_path)
    assert (raw.encoding, raw.text) == (
        "utf-8",
        "<html> tags open a page, the tutorial says.\nSecond line.\n",
    )


def test_an_html_page_with_a_stray_nul_is_read_and_a_binary_one_is_not(tmp_path):
    page = tmp_path / "page.html"
    body = b"The talks resumed in Istanbul on Monday. " * 10
    page.write_bytes(b"<html><body><h1>Title of it all</h1><p>" + body + b"\x00</p></body></html>")
    assert read_dump(page, tmp_path).text == f"Title of it all\n{body.decode().strip()} \ufffd\n"
    # In a page beyond ASCII (UTF-8, or a declared code page) the NUL is counted as well.
    for markup, encoding in (
        (f"<p>{'Müzakereler İstanbul’da sürdü. ' * 10}\x00</p>".encode(), "html:utf-8"),
        (b"<meta charset=windows-1252><p>" + b"Caf\xe9 talks. " * 10 + b"\x00</p>", "html:cp1252"),
    ):
        page.write_bytes(markup)
        raw = read_dump(page, tmp_path)
        assert raw.bad_bytes == [(markup.index(b"\x00"), markup.index(b"\x00") + 1)], markup
        assert raw.encoding == encoding and "\ufffd" in raw.text and "\x00" not in raw.text
    image = tmp_path / "image.html"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(500))
    with pytest.raises(ReadError, match="binary file: holds NUL bytes, not HTML"):
        read_dump(image, tmp_path)


@pytest.mark.parametrize("name", ["crawl.log.txt", "crawl.log.txt.gz"])
def test_a_file_too_large_for_a_page_is_refused_unread(tmp_path, monkeypatch, name):
    """Over MAX_DUMP_BYTES (unzipped, for .gz) a file is a read error, not a worker's memory."""
    monkeypatch.setattr(read_module, "MAX_DUMP_BYTES", 1000)
    text = ("A line of a crawl log, not a page.\n" * 40).encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(text, mtime=0) if name.endswith(".gz") else text)
    with pytest.raises(ReadError, match=r"too large for a page: .*MAX_DUMP_BYTES \(1,000\)"):
        read_dump(path, tmp_path)
    monkeypatch.setattr(read_module, "MAX_DUMP_BYTES", len(text))
    assert read_dump(path, tmp_path).text == text.decode()


def test_corrupt_gzip_is_a_read_error(tmp_path):
    path = tmp_path / "broken.html.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(ReadError, match="not a valid gzip file"):
        read_dump(path, tmp_path)


def test_discover_reports_other_files_and_sorts(tmp_path):
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.htm").write_text("<p>a</p>")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "sub.d").mkdir()
    (tmp_path / "sub.d" / "x.json").write_text("{}")
    (tmp_path / "sub" / "z.json").write_text("{}")
    dumps, skipped = discover(tmp_path)
    # Corpus order: by dump id, then path.
    assert dumps.rows() == [("sub/a.htm", "a"), ("b.txt", "b")]
    assert skipped.columns == list(UNREAD_FILES)
    # Other files as paths sort, a folder's name before the names that extend it.
    assert skipped["path"].to_list() == [".DS_Store", "notes.pdf", "sub/z.json", "sub.d/x.json"]
    assert skipped["dump_id"].to_list() == [".DS_Store", "notes", "z", "x"]
    reasons = skipped["reason"].cast(pl.String).to_list()
    assert "unsupported file type .pdf" in reasons[1]
    assert all(r.startswith("not a dump: unsupported file type") for r in reasons)


def test_discover_gathers_names_in_batches(tmp_path, monkeypatch):
    """More files than one batch: every dump found once, in corpus order."""
    monkeypatch.setattr("istanbul_talks.dataset.read.DISCOVER_BATCH", 3)
    for folder, name in [("x", "c.txt"), ("y", "A.TXT"), ("x", "b.html.gz"), ("", "d.htm")]:
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / name).write_text("text")
    (tmp_path / "y" / "e.json").write_text("{}")
    dumps, skipped = discover(tmp_path)
    assert dumps["path"].to_list() == ["y/A.TXT", "x/b.html.gz", "x/c.txt", "d.htm"]
    assert dumps["dump_id"].to_list() == ["A", "b", "c", "d"]
    assert skipped["path"].to_list() == ["y/e.json"]


def test_discover_reads_each_folder_once_and_names_links_it_does_not_follow(tmp_path):
    """A link to a folder is followed (a crawl spread over disks); a second way to one folder
    (another link, a loop back up) and a broken link are named with their reason, not read."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "page.txt").write_text("text")
    (tmp_path / "archive").symlink_to("real")  # sorts first: the folder is read as archive/
    (tmp_path / "real" / "up").symlink_to("..")
    (tmp_path / "gone.txt").symlink_to("nowhere.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    dumps, skipped = discover(tmp_path)
    assert dumps.rows() == [("archive/page.txt", "page")]
    reasons = dict(zip(skipped["path"], skipped["reason"].cast(pl.String), strict=True))
    assert reasons == {
        "archive/up": "a link back to the raw folder (a loop), not followed",
        "gone.txt": "broken link: nowhere.txt does not exist",
        "pipe.txt": "not a regular file (a named pipe, socket or device)",
        "real": "the same folder as archive, read there",
    }


def test_a_file_or_folder_whose_name_is_not_utf8_is_named_not_read(tmp_path):
    """A crawl copied from an older system may hold names in latin-1 ("café.txt" as b"caf\\xe9"):
    no table can hold such a name, and one used to stop the whole build."""
    (tmp_path / "page.txt").write_text("text")
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text("text")
    (tmp_path / os.fsdecode(b"dossi\xe9")).mkdir()
    (tmp_path / os.fsdecode(b"dossi\xe9") / "inner.txt").write_text("text")
    dumps, skipped = discover(tmp_path)
    assert dumps.rows() == [("page.txt", "page")]
    assert skipped.select("path", pl.col("reason").cast(pl.String)).rows() == [
        ("caf\\xe9.txt", read_module.NOT_UTF8_NAME),
        ("dossi\\xe9", read_module.NOT_UTF8_NAME),
    ]
    assert build(tmp_path, None).report["totals"]["files_skipped"] == 2


def test_discover_names_a_subfolder_it_cannot_list(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "page.txt").write_text("text")
    scandir = os.scandir

    def refusing(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr("istanbul_talks.dataset.read.os.scandir", refusing)
    dumps, skipped = discover(tmp_path)
    assert dumps["path"].to_list() == ["page.txt"]
    assert skipped.select("path", pl.col("reason").cast(pl.String)).rows() == [
        ("locked", "folder cannot be read: Permission denied")
    ]


def test_dump_id_of_takes_relative_strings_and_paths():
    assert dump_id_of("sub/Story.HTML.gz") == "Story"
    assert dump_id_of(Path("/raw/sub/story.txt")) == "story"
    assert dump_id_of("notes.tar.gz") == "notes.tar"  # not a dump suffix: the last one goes


def test_discover_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        discover(tmp_path / "nope")


def _entry(manifest: pl.DataFrame, name: str) -> dict:
    (row,) = manifest.filter(pl.col("file") == name).to_dicts()
    return row


def test_manifest_csv_and_jsonl(tmp_path):
    csv_path = tmp_path / "m.csv"
    csv_path.write_text(
        "file,url,crawled_at,site\n"
        "a.txt,https://example.org/a,2025-06-03T10:00:00Z,example\n"
        "b.txt,,not-a-date,\n"
        ",https://x,2025-01-01,\n"
        "c.txt,,2025-06-04 08:30,\n"
    )
    entries, warnings = read_manifest(csv_path)
    assert entries.schema == MANIFEST
    assert entries["file"].to_list() == ["a.txt", "b.txt", "c.txt"]
    assert _entry(entries, "a.txt")["crawled_at"] == datetime(2025, 6, 3, 10, tzinfo=UTC)
    assert _entry(entries, "a.txt")["url"] == "https://example.org/a"
    empty = {"url": None, "crawled_at": None, "site": None}
    assert _entry(entries, "b.txt") == {"file": "b.txt", **empty}
    assert _entry(entries, "c.txt")["crawled_at"] == datetime(2025, 6, 4, 8, 30, tzinfo=UTC)
    assert any(":3: crawled_at 'not-a-date'" in w for w in warnings)
    assert any(":4: row has no 'file'" in w for w in warnings)
    jsonl = tmp_path / "m.jsonl"
    jsonl.write_text(
        '{"file": "a.txt", "crawled_at": "2025-06-03T13:00:00+03:00"}\n'
        '{"file": "a.txt", "site": "second row wins"}\n'
    )
    entries, _ = read_manifest(jsonl)
    assert _entry(entries, "a.txt")["site"] == "second row wins"
    assert _entry(entries, "a.txt")["crawled_at"] is None


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_csv_manifest_saved_by_a_spreadsheet_with_semicolons_or_tabs_is_read(tmp_path, delimiter):
    """Spreadsheets in many locales save CSV with semicolons (the comma is their decimal
    mark), and "text" exports with tabs; the line numbers of warnings stay right."""
    path = tmp_path / "m.csv"
    rows = [
        ["File", "url", "crawled_at", "site"],
        ["a.txt", "https://example.org/a?x=1,2", "2025-06-03T10:00:00Z", "Daily, Evening"],
        ["b.txt", "", "yesterday", ""],
    ]
    path.write_text("".join(delimiter.join(row) + "\n" for row in rows))
    entries, warnings = read_manifest(path)
    assert _entry(entries, "a.txt") == {
        "file": "a.txt",
        "url": "https://example.org/a?x=1,2",
        "crawled_at": datetime(2025, 6, 3, 10, tzinfo=UTC),
        "site": "Daily, Evening",
    }
    assert any(":3: crawled_at 'yesterday'" in w for w in warnings)


def test_manifest_rows_become_columns_a_batch_at_a_time(tmp_path, monkeypatch):
    """Rows are gathered MANIFEST_BATCH at a time; line numbers and "the last row naming a
    file wins" hold across batches."""
    monkeypatch.setattr(read_module, "MANIFEST_BATCH", 2)
    path = tmp_path / "m.csv"
    path.write_text(
        "file,url,crawled_at,site\n"
        "a.txt,https://example.org/a1,,\n"
        "b.txt,,,\n"
        "c.txt,,yesterday,\n"
        "a.txt,https://example.org/a2,,\n"
        "d.txt,,,\n"
    )
    entries, warnings = read_manifest(path)
    assert entries["file"].to_list() == ["b.txt", "c.txt", "a.txt", "d.txt"]
    assert _entry(entries, "a.txt")["url"] == "https://example.org/a2"
    assert warnings == [
        f"{path}:4: crawled_at 'yesterday' is no date (ISO 8601, an HTTP date, a 14-digit "
        "timestamp or Unix seconds); relative dates of this dump stay unresolved"
    ]


def test_manifest_reads_crawl_times_as_crawlers_write_them(tmp_path):
    path = tmp_path / "m.csv"
    times = [
        "2025-06-02T14:59:00+03:00",  # ISO 8601
        "20250602115900",  # Wayback / Common Crawl
        "1748865540",  # Unix seconds
        "1748865540000",  # Unix milliseconds
        "Mon, 02 Jun 2025 11:59:00 GMT",  # HTTP Date header
    ]
    path.write_text("file,crawled_at\n" + "".join(f'{n}.txt,"{t}"\n' for n, t in enumerate(times)))
    entries, warnings = read_manifest(path)
    assert warnings == []
    assert entries["crawled_at"].to_list() == [datetime(2025, 6, 2, 11, 59, tzinfo=UTC)] * 5


def test_csv_manifest_column_names_are_read_without_case_or_spaces(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("File, URL ,Crawled_At\na.txt,https://example.org/a,2025-06-02\n")
    entries, _ = read_manifest(path)
    assert _entry(entries, "a.txt")["url"] == "https://example.org/a"
    assert _entry(entries, "a.txt")["crawled_at"] == datetime(2025, 6, 2, tzinfo=UTC)


def test_a_csv_manifest_without_a_file_column_names_the_columns_it_has(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("filename,url\na.txt,https://example.org/a\n")
    with pytest.raises(
        ManifestError, match=r"m\.csv: no 'file' column \(its columns: filename, url\)"
    ):
        read_manifest(path)


def test_a_broken_csv_manifest_names_the_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("file,url\na.txt,\nb.txt," + "x" * 200_000 + "\n")
    with pytest.raises(ManifestError, match=r"m\.csv:3: not valid CSV \(field larger"):
        read_manifest(path)


def test_manifest_row_warnings_name_the_first_rows_of_each_kind_then_count(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module, "LISTED_ROWS", 2)
    path = tmp_path / "m.csv"
    rows = [f"{n}.txt,2 June" for n in range(5)] + [",2025-06-02"] * 3
    path.write_text("file,crawled_at\n" + "\n".join(rows) + "\n")
    _, warnings = read_manifest(path)
    assert [w.split(": ", 1)[0] for w in warnings[:4]] == [f"{path}:{n}" for n in (2, 3, 7, 8)]
    assert warnings[4:] == [
        f"{path}: 3 more rows with a crawled_at that is no date",
        f"{path}: 1 more row without a 'file' value",
    ]


@pytest.mark.parametrize("text", ['[{"file": "a.txt"}]\n', '[\n  {"file": "a.txt"}\n]\n'])
def test_a_json_array_manifest_is_refused_with_what_to_write_instead(tmp_path, text):
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(ManifestError, match=r"m\.json:1: a JSON array; write one JSON object"):
        read_manifest(path)


def test_a_manifest_a_spreadsheet_saved_in_cp1252_or_utf16_is_read_and_bytes_of_neither_refused(
    tmp_path,
):
    """Spreadsheets on Windows save CSV in cp1252, and "Unicode text" as UTF-16 with a BOM."""
    text = "file,url,crawled_at,site\ncafé.txt,,,Le Monde – Paris\n"
    path = tmp_path / "m.csv"
    path.write_bytes(text.encode("cp1252"))
    entries, warnings = read_manifest(path)
    assert entries.select("file", "site").rows() == [("café.txt", "Le Monde – Paris")]
    assert warnings == [
        f"manifest {path}: not UTF-8 text (invalid continuation byte); "
        "read as cp1252, as spreadsheets on Windows save CSV"
    ]
    path.write_bytes(text.replace(",", "\t").encode("utf-16"))
    entries, warnings = read_manifest(path)
    assert (entries.select("file", "site").rows(), warnings) == (
        [("café.txt", "Le Monde – Paris")],
        [],
    )
    path.write_bytes(b"file,url\ncaf\x81\xe9.txt,\n")  # 0x81: in neither
    with pytest.raises(ManifestError, match=r"m\.csv: not UTF-8 text \(invalid start byte"):
        read_manifest(path)
    # UTF-8 with one broken byte is UTF-8, not cp1252: "café" must not become "cafÃ©".
    path.write_bytes("file,url\ncafé.txt,\n".encode() + b"broken\xff.txt,\n")
    entries, warnings = read_manifest(path)
    assert entries["file"].to_list() == ["café.txt", "broken\ufffd.txt"]
    assert warnings == [
        f"manifest {path}: not UTF-8 text (invalid start byte); read as UTF-8, such bytes as U+FFFD"
    ]


def test_each_dump_finds_its_manifest_row_by_relative_path_or_else_by_file_name(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "file,url,crawled_at,site\n"
        "page.txt,https://example.org/by-name,,\n"
        "b/page.txt,https://example.org/b,2025-06-03T13:00:00+03:00,B\n"
    )
    rows, _ = read_manifest(manifest)
    paths = pl.Series(["a/page.txt", "b/page.txt", "page.txt", "other.txt"])
    entries = manifest_entries(paths, rows)
    assert entries.schema == DUMP_ENTRIES
    assert [entry_of(*row) for row in entries.iter_rows()] == [
        ManifestEntry("https://example.org/by-name", None, None),
        ManifestEntry("https://example.org/b", datetime(2025, 6, 3, 10, tzinfo=UTC), "B"),
        ManifestEntry("https://example.org/by-name", None, None),
        None,
    ]
    assert manifest_entries(paths, rows.clear())["listed"].to_list() == [False] * 4


def test_broken_jsonl_manifest_names_the_line(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"file": "a.txt"}\n{oops\n')
    with pytest.raises(ManifestError, match=r"m.jsonl:2: not valid JSON"):
        read_manifest(path)


def test_half_a_character_in_a_jsonl_manifest_is_read_as_a_replacement_with_a_warning(tmp_path):
    """JSON.stringify writes a string cut inside an emoji as "\\ud83d" alone; polars could not
    take it (UnicodeEncodeError stopped the build)."""
    path = tmp_path / "m.jsonl"
    path.write_text(
        '{"file": "a.txt", "url": "https://x.org/a", "site": "Haber \\ud83d"}\n{"file": "b.txt"}\n'
    )
    table, warnings = read_manifest(path)
    assert _entry(table, "a.txt")["site"] == "Haber \ufffd"
    assert table["file"].to_list() == ["a.txt", "b.txt"]
    assert warnings == [
        f"{path}:1: site holds half of a UTF-16 character (a \\ud800-\\udfff "
        "escape alone), read as U+FFFD"
    ]


def test_a_jsonl_manifest_reads_values_as_json_wrote_them(tmp_path):
    """Keys are read as a CSV header is (any case, spaces around); a number is its JSON text
    (Unix seconds become a time); an object, list or true/false is no url or site: left out
    with a warning, not kept as Python's spelling ("{'href': ...}", "True")."""
    path = tmp_path / "m.jsonl"
    path.write_text(
        '{" File": "a.txt", "URL": {"href": "https://x.org/a"}, "crawled_at": 1748779200}\n'
        '{"file": "b.txt", "site": true, "url": ["https://x.org/b"], "crawled_at": 1.5e9}\n'
    )
    table, warnings = read_manifest(path)
    a, b = _entry(table, "a.txt"), _entry(table, "b.txt")
    assert a["url"] is None and a["crawled_at"] == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert b["url"] is None and b["site"] is None
    assert b["crawled_at"] == datetime(2017, 7, 14, 2, 40, tzinfo=UTC)
    assert warnings == [
        f'{path}:1: url is an object ({{"href": "https://x.org/a"}}), not text; ignored',
        f'{path}:2: url is a list (["https://x.org/b"]), not text; ignored',
        f"{path}:2: site is true/false (true), not text; ignored",
    ]
