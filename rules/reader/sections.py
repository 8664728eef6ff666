"""Plain report text into sections: a known heading (sections.yaml) followed by a colon at the
start of a line opens a section. Inline labels ('RIGHT:', 'BI-RADS:') stay inside their section."""

from __future__ import annotations

import re
from functools import cache

from rules.documents import Section
from rules.lexicon import load_yaml


@cache
def _heading_line() -> re.Pattern[str]:
    headings = sorted(
        {h for hs in load_yaml("sections.yaml").values() for h in hs}, key=len, reverse=True
    )
    alternatives = "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in headings)
    return re.compile(rf"^[ \t]*({alternatives})[ \t]*:[ \t]*", re.I | re.M)


def split_plain_text(text: str) -> tuple[Section, ...]:
    matches = list(_heading_line().finditer(text))
    out: list[Section] = []
    lead = text[: matches[0].start()].strip() if matches else text.strip()
    if lead:
        out.append(Section("", lead))
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        body = text[m.end() : end].strip()
        out.append(Section(m.group(1).strip(), body))
    return tuple(out)
