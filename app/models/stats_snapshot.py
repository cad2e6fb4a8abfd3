"""Kept dashboard figures: a figure that took long to compute, with when it was computed and last looked at."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class StatsSnapshot(Model):
    """One figure for one reach and one set of filters, as the dashboard last computed it (app/workflow/stats_cache)."""

    __tablename__ = "stats_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # sha256 of what the figure depends on
    figure: Mapped[str] = mapped_column(String(40), nullable=False)
    # What the refresh job needs to compute the figure again: the reach and the filters, as plain values.
    inputs: Mapped[dict] = mapped_column(JSON, nullable=False)
    payload: Mapped[list] = mapped_column(JSON, nullable=False)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    seconds: Mapped[float] = mapped_column(Float, nullable=False)  # how long computing it took
    viewed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
