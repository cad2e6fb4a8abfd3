"""导出Excel of a large list on the scale database (run by hand): seconds and this process's peak memory.

    DATABASE_URL=postgresql+psycopg://zp:zp@127.0.0.1:55432/zp1m .venv/bin/python bench/export_scale_bench.py \
        [--url '/review/applications/search/export?state=completed'] [--user demo_authority]

Signs in and downloads the export through the app (Flask's test client, the same route as the button), checks the
workbook's row count with openpyxl, and reports the wall time, rows per second and the peak resident memory of the
whole process (app included) before and after. The SQL-only figure is the export's row query (with its joins)
fetched on a plain connection.
"""
from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("CAPTCHA_ENABLED", "0")
os.environ.setdefault("RATELIMIT_ENABLED", "0")
os.environ.setdefault("EXPORT_MAX_ROWS", "200000")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import openpyxl  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from pages_bench import signed_in  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="/review/applications/search/export?type=evaluation")
    parser.add_argument("--user", default="demo_authority")
    parser.add_argument("--where", default="a.business_type = 'evaluation' AND a.state <> 'draft'",
                        help="the URL's filters in SQL, for the SQL-only figure")
    args = parser.parse_args()
    app = create_app()
    app.config.update(CAPTCHA_ENABLED=False, RATELIMIT_ENABLED=False)
    client = signed_in(app, args.user)
    client.get("/review/applications/search")
    before = peak_mb()
    started = time.perf_counter()
    response = client.get(args.url)
    body = response.data
    elapsed = time.perf_counter() - started
    after = peak_mb()
    assert response.status_code == 200 and body[:2] == b"PK", f"no workbook: {response.status_code}"
    rows = sum(1 for _row in openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.rows) - 1
    with app.app_context():
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        sql_started = time.perf_counter()
        # The export's own rows: applications with their person and unit (the scope is the whole province here).
        cursor.execute(text(
            "SELECT a.*, u.first_name, u.last_name, u.id_number, o.name FROM application a "
            "JOIN ab_user u ON u.id = a.user_id LEFT JOIN org o ON o.id = a.unit_id "
            f"WHERE {args.where} ORDER BY a.submitted_at DESC, a.id DESC").text)
        fetched = len(cursor.fetchall())
        sql_elapsed = time.perf_counter() - sql_started
        raw.close()
    print(f"export {args.url}: {rows:,} rows, {len(body) / 1e6:.1f} MB workbook, {elapsed:.1f} s "
          f"({rows / elapsed:,.0f} rows/s); peak RSS {before:.0f} MB before, {after:.0f} MB after "
          f"(target < 30 s and < 300 MB: {'met' if elapsed < 30 and after < 300 else 'NOT met'})")
    print(f"  SQL only: the same rows ({fetched:,}) fetched in {sql_elapsed:.1f} s; ratio {elapsed / sql_elapsed:.0f}x")


if __name__ == "__main__":
    main()
