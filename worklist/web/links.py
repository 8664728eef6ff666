"""Links out of the worklist: a study in the site's image viewer (``WORKLIST_VIEWER_URL``), and
a quoted sentence inside its whole report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from worklist.db.models import Study


def viewer_url(template: str, study: Study) -> str | None:
    """The viewer's address for this study, or None when no viewer is set or the template needs
    a value the study lacks (an accession number never received)."""
    if not template:
        return None
    values = {"StudyInstanceUID": study.study_uid, "AccessionNumber": study.accession}
    missing = [name for name, value in values.items() if f"{{{name}}}" in template and not value]
    if missing:
        return None
    url = template
    for name, value in values.items():
        url = url.replace(f"{{{name}}}", quote(value or "", safe=""))
    return url


@dataclass(frozen=True)
class Quoted:
    """A report's text cut around one quoted sentence, so the page can mark it."""

    before: str
    sentence: str
    after: str

    @property
    def found(self) -> bool:
        return bool(self.sentence)


def find_sentence(text: str, sentence: str) -> Quoted:
    """Where the quoted sentence sits in its report. The reader keeps a sentence's words but may
    join its lines differently, so any run of white space matches any other."""
    words = sentence.split()
    if not words:
        return Quoted(text, "", "")
    match = re.search(r"\s+".join(re.escape(word) for word in words), text)
    if match is None:
        return Quoted(text, "", "")
    return Quoted(text[:match.start()], match.group(0), text[match.end():])
