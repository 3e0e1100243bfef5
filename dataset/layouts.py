"""Load the page layouts of `layouts.toml`: named boilerplate rules and section markers."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class BoilerplateRule:
    rule: str
    pattern: re.Pattern[str]
    # Unanchored patterns are slow on long lines; they are tried only when a keyword occurs.
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """The rules used to split one page: the generic ones plus those of its site, if known."""

    name: str
    boilerplate: tuple[BoilerplateRule, ...]
    section_markers: tuple[re.Pattern[str], ...]
    timezone: str = "UTC"
    time_prefix: str | None = None
    detect: tuple[str, ...] = field(default=())

    def boilerplate_rule(self, line: str) -> str | None:
        """Name of the first boilerplate rule that matches the stripped line, if any."""
        lowered = line.lower()
        for rule in self.boilerplate:
            if rule.keywords and not any(k in lowered for k in rule.keywords):
                continue
            if rule.pattern.search(line):
                return rule.rule
        return None

    def is_section_marker(self, line: str) -> bool:
        return any(marker.search(line) for marker in self.section_markers)


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _rules(entries: list[dict]) -> tuple[BoilerplateRule, ...]:
    return tuple(
        BoilerplateRule(
            e["rule"], re.compile(e["pattern"], re.IGNORECASE), tuple(e.get("keywords", ()))
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
