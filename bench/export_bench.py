"""Benchmark of 导出Excel (run by hand, not in CI): rows/second and peak memory of a large export.

    /work/main/.venv/bin/python bench/export_bench.py [--rows 100000]

Creates a temporary SQLite database, bulk-inserts N operation-log rows (a listed model with a relation, a
datetime and free text, some of it formula-like), then exports them through the same path as the operation log's
导出Excel button: the view's columns and formatters, its query with yield_per, app.services.excel_export.
The export runs twice: once timed, once under tracemalloc for the peak of Python allocations.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import AppUser, OperationLog  # noqa: E402
from app.services import excel_export  # noqa: E402
from app.views.export import loader_options  # noqa: E402

INSERT_BATCH = 10000


def maxrss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(count: int) -> None:
    """Bulk-insert `count` operation-log rows by one user."""
    user = AppUser(username="bench", first_name="测试", last_name="压", email="bench@example.invalid", active=True,
                   password="x")
    db.session.add(user)
    db.session.commit()
    start = dt.datetime(2026, 1, 1)
    for offset in range(0, count, INSERT_BATCH):
        db.session.execute(insert(OperationLog), [
            {"at": start + dt.timedelta(seconds=i), "user_id": user.id, "action": "org.edit",
             "target_type": "Org", "target_id": i, "outcome": "success", "ip": "10.0.0.%d" % (i % 250),
             "detail": ("=HYPERLINK(\"x\")" if i % 1000 == 0 else f"修改机构联系人第{i}次")}
            for i in range(offset, min(offset + INSERT_BATCH, count))
        ])
        db.session.commit()


def export_once(view, path: str) -> int:
    """One export of the whole operation log, as the view's /export/ does it."""
    columns = view.export_columns or view.list_columns
    query = (db.session.query(OperationLog).options(*loader_options(OperationLog, columns))
             .order_by(OperationLog.at.desc()).yield_per(excel_export.BATCH))
    written = excel_export.write_workbook(path, str(view.list_title), view._export_columns(), query)
    db.session.rollback()
    db.session.expunge_all()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zp-bench-") as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "TESTING": True,
                          "SECRET_KEY": "bench", "EXPORT_MAX_ROWS": args.rows})
        with app.test_request_context("/"):
            db.create_all()
            began = time.perf_counter()
            fill(args.rows)
            print(f"inserted {args.rows} rows in {time.perf_counter() - began:.1f} s; maxrss {maxrss_mb():.0f} MB")
            view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "OperationLogView")
            path = os.path.join(folder, "export.xlsx")

            began = time.perf_counter()
            written = export_once(view, path)
            seconds = time.perf_counter() - began
            size = os.path.getsize(path) / 1024 / 1024
            print(f"exported {written} rows in {seconds:.1f} s = {written / seconds:,.0f} rows/s; "
                  f"file {size:.1f} MB; maxrss {maxrss_mb():.0f} MB")

            tracemalloc.start()
            export_once(view, path)
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"tracemalloc peak during an export: {peak / 1024 / 1024:.1f} MB (still held after: "
                  f"{current / 1024 / 1024:.1f} MB); maxrss {maxrss_mb():.0f} MB")


if __name__ == "__main__":
    main()
