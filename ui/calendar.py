"""iCalendar (.ics, RFC 5545) export of the timeline as all-day events."""

from __future__ import annotations

import datetime as dt

from .knowledge import Step


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    out, current = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > 75:
            out.append(current.decode("utf-8"))
            current = b" "
        current += b
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def to_ics(steps: list[Step], describe, stamp: dt.datetime | None = None) -> bytes:
    """`describe(step)` gives each event's description (its source clause and quote)."""
    stamp = stamp or dt.datetime.now(dt.timezone.utc)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Policy QA//人社部发〔2025〕27号 timeline//ZH",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:人力资源服务业与制造业融合发展试点",
    ]
    for step in steps:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{step.id}@policy-qa.rsbf-2025-27",
            f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
            # All-day DTEND is exclusive: the day after the last day.
            f"DTSTART;VALUE=DATE:{step.start.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(step.end + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(step.title)}",
            f"DESCRIPTION:{_escape(describe(step))}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")

