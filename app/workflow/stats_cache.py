"""Dashboard figures that take long to compute are kept and shown until the tick computes them again (数据截至).

A figure is computed live. When that took at least STATS_KEEP_AFTER_MS, the result is kept, keyed by the figure,
the reach (the scope without the person, so every reviewer of the same orgs shares it) and the filters; later views
show the kept figure and say when it was computed. `refresh`, run by the tick, computes again each kept figure older
than STATS_REFRESH_MINUTES, drops one that has become quick, and drops those nobody looked at for STATS_KEEP_DAYS.
A province's dashboard (hundreds of thousands of applications, ten million CE records) takes seconds to compute;
a small database computes every figure in milliseconds, keeps none and always shows live numbers.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import json
import time
from typing import Callable

from flask import current_app, g, has_request_context
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import AppState, BusinessType, StatsSnapshot
from app.models.mixins import utcnow
from app.scope.resolve import Scope
from app.services.upsert import insert_or_update

# figure name -> the function computing it, undecorated (the refresh job calls it)
COMPUTE: dict[str, Callable] = {}
RECORDS: dict[str, type] = {}  # the result record types a figure may hold, by class name
FILTERS: dict[str, type] = {}  # figure name -> its filters' dataclass, when not the dashboard's Filters
ENUMS = {cls.__name__: cls for cls in (AppState, BusinessType)}
VIEWED_EVERY = dt.timedelta(hours=1)  # how often a view writes that a kept figure is still looked at


def kept(name: str, *records: type, filters: type | None = None) -> Callable:
    """Make a `figure(scope, filters)` function keep its result when it is slow (see the module's docstring);
    `filters` is the dataclass of its filters when they are not the dashboard's."""
    RECORDS.update({record.__name__: record for record in records})
    if filters is not None:
        FILTERS[name] = filters

    def decorate(function: Callable) -> Callable:
        COMPUTE[name] = function

        @functools.wraps(function)
        def figure(scope: Scope, filters):
            threshold = current_app.config.get("STATS_KEEP_AFTER_MS")
            if threshold is None:
                return function(scope, filters)
            inputs = {"reach": _reach(scope), "filters": _plain(dataclasses.asdict(filters))}
            key = hashlib.sha256(json.dumps([name, inputs], sort_keys=True).encode()).hexdigest()
            found = db.session.execute(select(StatsSnapshot.payload, StatsSnapshot.computed_at,
                                              StatsSnapshot.viewed_at).where(StatsSnapshot.key == key)).first()
            now = utcnow()
            if found is not None:
                _seen(key, found.viewed_at, now)
                _shown_as_of(found.computed_at)
                return _decoded(found.payload)
            started = time.perf_counter()
            result = function(scope, filters)
            seconds = time.perf_counter() - started
            if seconds * 1000 >= threshold:
                _keep(key, name, inputs, result, now, seconds)
                _shown_as_of(now)
            return result

        return figure

    return decorate


def as_of() -> dt.datetime | None:
    """When the oldest kept figure shown in this request was computed; None when every figure was live."""
    return min(g.get("stats_as_of", ()), default=None) if has_request_context() else None


def refresh(now: dt.datetime | None = None) -> int:
    """Compute again the kept figures that are due (the tick's job); returns how many were computed."""
    from app.workflow import ce_reports, stats  # noqa: F401  (register the figures in COMPUTE)

    now = now or utcnow()
    config = current_app.config
    db.session.execute(delete(StatsSnapshot).where(
        StatsSnapshot.viewed_at < now - dt.timedelta(days=config.get("STATS_KEEP_DAYS", 7))))
    db.session.commit()
    due = db.session.execute(
        select(StatsSnapshot.id, StatsSnapshot.figure, StatsSnapshot.inputs)
        .where(StatsSnapshot.computed_at < now - dt.timedelta(minutes=config.get("STATS_REFRESH_MINUTES", 30)))
        .order_by(StatsSnapshot.computed_at)).all()
    threshold = config.get("STATS_KEEP_AFTER_MS")
    done = 0
    for snapshot_id, name, inputs in due:
        function = COMPUTE.get(name)
        if function is None or threshold is None:
            db.session.execute(delete(StatsSnapshot).where(StatsSnapshot.id == snapshot_id))
        else:
            started = time.perf_counter()
            result = function(_scope(inputs["reach"]), _filters(name, inputs["filters"]))
            seconds = time.perf_counter() - started
            if seconds * 1000 < threshold:  # quick now: shown live from here on
                db.session.execute(delete(StatsSnapshot).where(StatsSnapshot.id == snapshot_id))
            else:
                db.session.execute(update(StatsSnapshot).where(StatsSnapshot.id == snapshot_id).values(
                    payload=_encoded(result), computed_at=utcnow(), seconds=seconds))
            done += 1
        db.session.commit()
    return done


# ----- keys and storage -----

def _reach(scope: Scope) -> dict:
    """What a figure's rows depend on in a scope: the orgs and roles, not the person (figures leave own rows out)."""
    return {"everything": scope.everything, "org_ids": sorted(scope.org_ids),
            "subtree_paths": sorted(scope.subtree_paths), "role_names": sorted(scope.role_names)}


def _scope(reach: dict) -> Scope:
    return Scope(everything=reach["everything"], org_ids=frozenset(reach["org_ids"]),
                 subtree_paths=frozenset(reach["subtree_paths"]), role_names=frozenset(reach["role_names"]))


def _plain(values: dict) -> dict:
    return {name: value.value if isinstance(value, enum.Enum) else value for name, value in values.items()}


def _filters(name: str, values: dict):
    if name in FILTERS:
        return FILTERS[name](**values)
    from app.workflow.stats import Filters

    kind = values.get("business_type")
    return Filters(**{**values, "business_type": BusinessType(kind) if kind else None})


def _keep(key: str, name: str, inputs: dict, result: list, now: dt.datetime, seconds: float) -> None:
    """Store the figure (two viewers computing it at once: the later one's result stays)."""
    db.session.execute(insert_or_update(
        db.session.get_bind().dialect.name, StatsSnapshot,
        {"key": key, "figure": name, "inputs": inputs, "payload": _encoded(result), "computed_at": now,
         "seconds": seconds, "viewed_at": now},
        keys=[StatsSnapshot.key], updated=["payload", "computed_at", "seconds", "viewed_at"]))
    db.session.commit()


def _seen(key: str, viewed_at: dt.datetime, now: dt.datetime) -> None:
    if viewed_at < now - VIEWED_EVERY:
        db.session.execute(update(StatsSnapshot).where(StatsSnapshot.key == key).values(viewed_at=now))
        db.session.commit()


def _shown_as_of(moment: dt.datetime) -> None:
    if has_request_context():
        g.setdefault("stats_as_of", []).append(moment)


# ----- results as JSON: records, enums and times tagged, so they come back as they were computed -----

def _encoded(value):
    if isinstance(value, enum.Enum):
        return {"enum": type(value).__name__, "value": value.value}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if dataclasses.is_dataclass(value):
        return {"record": type(value).__name__,
                "fields": {field.name: _encoded(getattr(value, field.name)) for field in dataclasses.fields(value)}}
    if isinstance(value, (list, tuple)):
        return [_encoded(item) for item in value]
    return value


def _decoded(value):
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    if isinstance(value, dict):
        if "enum" in value:
            return ENUMS[value["enum"]](value["value"])
        if "datetime" in value:
            return dt.datetime.fromisoformat(value["datetime"])
        if "record" in value:
            return RECORDS[value["record"]](**{name: _decoded(item) for name, item in value["fields"].items()})
    return value
