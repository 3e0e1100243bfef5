"""Load the page layouts of `layouts.toml`: named boilerplate rules and section markers."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from re import _constants as re_constants
from re import _parser as re_parser

# What may follow a section marker on its line: "Read also:", "À lire aussi :".
MARKER_TRAILER = " :"
DATE_ORDERS = ("dmy", "mdy")


@dataclass(frozen=True)
class BoilerplateRule:
    rule: str
    pattern: re.Pattern[str]
    # Unanchored patterns are slow on long lines; they are tried only when a keyword occurs.
    keywords: tuple[str, ...] = ()
    # A line that opens a section holding no article (a comment thread, the site's footer):
    # after the article has begun, nothing up to the next section marker is article text, and
    # the build report names those lines with this label.
    opens_section: str | None = None


@dataclass(frozen=True, eq=False)  # one layout is one object: hashed by identity, at no cost
class Layout:
    """The rules used to split one page: the generic ones plus those of its site, if known."""

    name: str
    boilerplate: tuple[BoilerplateRule, ...]
    section_markers: tuple[re.Pattern[str], ...]
    timezone: str = "UTC"
    time_prefix: str | None = None
    # How the site prints a numeric date whose day and month could be either way round
    # ("08/01/2014"): "dmy" or "mdy"; None leaves such dates unresolved.
    date_order: str | None = None
    detect: tuple[str, ...] = field(default=())
    # Most lines match no rule: one anchored alternation and a keyword scan reject them at once
    # (a line in ASCII is scanned for the keywords in ASCII only).
    _screen: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _keywords: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _ascii_keywords: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _markers: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # No marker is longer than this (most lines are, and need no regex at all).
    _marker_max_chars: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        anchored = [r.pattern.pattern[1:] for r in self.boilerplate if not r.keywords]
        keywords = sorted({k for r in self.boilerplate for k in r.keywords})
        markers = [m.pattern[1:] for m in self.section_markers]
        object.__setattr__(self, "_screen", _anchored_union(anchored))
        object.__setattr__(self, "_keywords", _any_of(keywords))
        object.__setattr__(self, "_ascii_keywords", _any_of([k for k in keywords if k.isascii()]))
        object.__setattr__(self, "_markers", _anchored_union(markers))
        widest = max(
            (re_parser.parse(m.pattern).getwidth()[1] for m in self.section_markers), default=0
        )
        object.__setattr__(self, "_marker_max_chars", widest + len(MARKER_TRAILER))

    def boilerplate_rule(self, line: str) -> BoilerplateRule | None:
        """The first boilerplate rule that matches the stripped line, if any."""
        lowered = line.lower()
        keywords = self._ascii_keywords if lowered.isascii() else self._keywords
        if self._screen.match(line) is None and keywords.search(lowered) is None:
            return None
        for rule in self.boilerplate:
            if rule.keywords and not any(k in lowered for k in rule.keywords):
                continue
            if rule.pattern.search(line):
                return rule
        return None

    def is_section_marker(self, line: str) -> bool:
        """Markers may end in a colon ("Read also:", "À lire aussi :")."""
        if len(line) > self._marker_max_chars:
            return False
        return self._markers.match(line.rstrip(MARKER_TRAILER)) is not None


class LayoutError(ValueError):
    """A rule in layouts.toml that the splitter cannot use as written."""


def _any_of(keywords: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, keywords)) if keywords else "(?!)")


def _anchored_union(bodies: list[str]) -> re.Pattern[str]:
    return re.compile(
        "^(?:" + "|".join(f"(?:{b})" for b in bodies) + ")" if bodies else "(?!)", re.IGNORECASE
    )


def _check_anchored(pattern: str, what: str) -> str:
    """Patterns without keywords must match from the line start as a whole ("^a|b" does not)."""
    parsed = re_parser.parse(pattern)
    if not len(parsed) or parsed[0] != (re_constants.AT, re_constants.AT_BEGINNING):
        raise LayoutError(
            f"layouts.toml: {what} {pattern!r} must start with '^' (or list "
            "keywords) and must not have a top-level '|'"
        )
    return pattern


def _date_order(layout: str, order: str | None) -> str | None:
    if order not in (None, *DATE_ORDERS):
        raise LayoutError(
            f"layouts.toml: layout {layout!r} has date_order {order!r}; use one of {DATE_ORDERS}"
        )
    return order


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(_check_anchored(p, "section marker"), re.IGNORECASE) for p in patterns)


def _rules(entries: list[dict]) -> tuple[BoilerplateRule, ...]:
    return tuple(
        BoilerplateRule(
            e["rule"],
            re.compile(
                e["pattern"] if e.get("keywords") else _check_anchored(e["pattern"], e["rule"]),
                re.IGNORECASE,
            ),
            tuple(e.get("keywords", ())),
            e.get("opens_section"),
        )
        for e in entries
    )


@cache
def load_layouts() -> tuple[Layout, ...]:
    """All layouts: every known site layout, then the generic one (which always applies)."""
    data = tomllib.loads(files("istanbul_talks.dataset").joinpath("layouts.toml").read_text())
    generic = data["generic"]
    generic_rules = _rules(generic.get("boilerplate", []))
    generic_markers = _compile(generic.get("section_markers", []))
    layouts = [
        Layout(
            name=name,
            # Site rules first: they are more specific than the generic ones.
            boilerplate=_rules(spec.get("boilerplate", [])) + generic_rules,
            section_markers=_compile(spec.get("section_markers", [])) + generic_markers,
            timezone=spec.get("timezone", "UTC"),
            time_prefix=spec.get("time_prefix"),
            date_order=_date_order(name, spec.get("date_order")),
            detect=tuple(spec["detect"]),
        )
        for name, spec in sorted(data.get("layouts", {}).items())
    ]
    layouts.append(Layout("generic", generic_rules, generic_markers, time_prefix="time"))
    return tuple(layouts)


def detect_layout(text: str) -> Layout:
    """The first known layout whose fingerprints all occur in the text, else the generic one."""
    for layout in load_layouts():
        if layout.detect and all(marker in text for marker in layout.detect):
            return layout
    return load_layouts()[-1]
