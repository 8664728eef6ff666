"""HL7 date and time values (DT, DTM/TS) as Python dates and datetimes.

A DTM without an offset is the sender's local time; like DICOM times without one, the worker reads
it in the site's time zone. A value that cannot be read gives None, never a guess.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_DTM = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$"
)


def parse_dtm(text: str) -> datetime | None:
    """``YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]``; TS's degree of precision (``^M``...) is
    ignored."""
    match = _DTM.match(text.split("^", 1)[0].strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0),
                          int(minute or 0), int(second or 0),
                          int((fraction or "0").ljust(6, "0")[:6]))
    except ValueError:
        return None
    if offset:
        minutes = int(offset[1:3]) * 60 + int(offset[3:5])
        zone = timezone(timedelta(minutes=-minutes if offset[0] == "-" else minutes))
        moment = moment.replace(tzinfo=zone)
    return moment


def parse_date(text: str) -> date | None:
    moment = parse_dtm(text)
    return moment.date() if moment is not None else None


def format_dtm(moment: datetime) -> str:
    """A datetime as DTM to the second, with its offset when it has one."""
    text = moment.strftime("%Y%m%d%H%M%S")
    offset = moment.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
