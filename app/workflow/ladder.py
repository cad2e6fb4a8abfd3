"""The title ladder: which title may be applied for next (逐级申报), from the title dictionary.

A title's attrs carry its series, level and track. The next title is one level up in the same series, in the
same track; a title without a track is shared by every track of its series, and a track that begins above the
lowest level (农业技术推广研究员) is open to every holder of the level below in that series.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.services import dictionaries


@dataclass(frozen=True)
class Rung:
    code: str
    series: str
    level: int
    track: str | None


def rungs() -> list[Rung]:
    """Every active title as a rung of its series' ladder."""
    found = []
    for entry in dictionaries.entries("title"):
        if not entry.active or "series" not in entry.attrs or "level" not in entry.attrs:
            continue
        found.append(Rung(entry.code, entry.attrs["series"], int(entry.attrs["level"]), entry.attrs.get("track")))
    return found


def rung(code: str | None) -> Rung | None:
    return next((r for r in rungs() if r.code == code), None)


def next_titles(current: str | None, series: str) -> set[str]:
    """Codes of the titles that may be applied for from `current` (None: no title yet) in `series`."""
    ladder = [r for r in rungs() if r.series == series]
    if not ladder:
        return set()
    here = rung(current)
    if here is None or here.series != series:
        # No title in this series yet: the entry level of each track.
        lowest_by_track: dict[str | None, int] = {}
        for r in ladder:
            lowest_by_track[r.track] = min(r.level, lowest_by_track.get(r.track, r.level))
        shared_entry = lowest_by_track.get(None)
        return {
            r.code for r in ladder
            if r.level == lowest_by_track[r.track] and (r.track is None or shared_entry is None or r.level <= shared_entry)
        }
    tracks_at_level = {r.track for r in ladder if r.level == here.level}
    return {
        r.code for r in ladder
        if r.level == here.level + 1
        and (r.track is None or here.track is None or r.track == here.track or r.track not in tracks_at_level)
    }
