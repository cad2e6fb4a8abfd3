"""Throughput under a mixed load (run by hand): wrk on loopback against gunicorn, and the same SQL under pgbench.

    DATABASE_URL=postgresql+psycopg://zp:zp@127.0.0.1:55432/zp1m .venv/bin/python bench/load_bench.py \
        [--workers 3] [--connections 6] [--seconds 30] [--users 12] [--app-only]

Starts gunicorn with WORKERS processes on the database, signs in a mix of users (applicants with applications,
unit reviewers of busy units, their supervisors, the authority) and lets wrk (Debian's package) send them the
pages they use — home, 业务办理查询, detail, 待办, 已办, 业务查询 — cycling through (user, page) pairs. It reports
requests per second and the p50/p95/p99 latency. For the database's share, the statements of each (user, page)
are recorded in-process, their parameters inlined, and pgbench runs them as one transaction per page with as many
clients as wrk had connections: the "SQL-only" throughput of the same mix.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

os.environ.setdefault("CAPTCHA_ENABLED", "0")
os.environ.setdefault("RATELIMIT_ENABLED", "0")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from pages_bench import PASSWORD, Recorder, signed_in  # noqa: E402

WRK_SCRIPT = """
local requests = {%s}
local index = 0
request = function()
  index = index %% #requests + 1
  local item = requests[index]
  return wrk.format("GET", item[1], {["Cookie"] = item[2]})
end
done = function(summary, latency, requests_done)
  io.write(string.format("RESULT %%d %%d %%d %%.1f %%.1f %%.1f %%.1f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds so far of the processes (and their reaped children), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def processes(command_part: str) -> list[int]:
    """Pids whose command line contains `command_part`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if command_part in entry.joinpath("cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_busy() -> float:
    """Seconds of CPU the whole machine has spent not idle, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def users(count: int) -> list[str]:
    """A mix: half applicants with applications, then unit reviewers of busy units, supervisors, the authority."""
    app = create_app()
    with app.app_context():
        rows = lambda sql, n: [row[0] for row in db.session.execute(text(sql), {"n": n})]  # noqa: E731
        reviewers = rows(
            "SELECT MIN(u.username) FROM application a JOIN user_org o ON o.org_id = a.unit_id JOIN ab_user u "
            "ON u.id = o.user_id JOIN ab_user_role ur ON ur.user_id = u.id JOIN ab_role r ON r.id = ur.role_id "
            "WHERE a.state = 'unit_review' AND r.name = 'UnitReviewer' AND NOT u.must_change_password "
            "GROUP BY a.unit_id ORDER BY COUNT(*) DESC LIMIT :n", max(count // 4, 1))
        applicants = rows("SELECT u.username FROM ab_user u WHERE u.username LIKE 'sp%' AND EXISTS "
                          "(SELECT 1 FROM application a WHERE a.user_id = u.id) ORDER BY u.id LIMIT :n",
                          max(count // 2, 1))
    return applicants + reviewers + ["demo_supervisor", "demo_authority"]


def pages_of(username: str) -> list[str]:
    if username.startswith("sp"):
        return ["/", "/applications/", "/applications/tracking"]
    if username == "demo_authority":
        return ["/review/applications/todo", "/review/applications/search?state=completed&series=GC",
                "/review/applications/search?series=KJ"]
    return ["/review/applications/todo", "/review/applications/done", "/review/applications/search"]


def http_login(base: str, username: str) -> str:
    """Sign in through the login form over HTTP; returns the Cookie header value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/login/", body)
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def sql_mix(pairs: list[tuple[str, str]]) -> list[str]:
    """For each (user, page): its statements with the parameters inlined, as one pgbench transaction script."""
    app = create_app()
    app.config.update(CAPTCHA_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        recorder = Recorder(db.engine)
    clients, scripts = {}, []
    for username, url in pairs:
        client = clients.get(username) or clients.setdefault(username, signed_in(app, username))
        client.get(url)
        recorder.statements, recorder.on = [], True
        client.get(url)
        recorder.on = False
        with app.app_context():
            raw = db.engine.raw_connection()
            import psycopg

            cursor = psycopg.ClientCursor(raw.driver_connection)
            lines = [" ".join(cursor.mogrify(statement, parameters).split()) + ";"
                     for statement, parameters, many in recorder.statements if not many]
            raw.close()
        scripts.append("BEGIN;\n" + "\n".join(lines) + "\nROLLBACK;\n")
    return scripts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--app-only", action="store_true", help="skip the SQL-only run under pgbench")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    names = users(args.users)
    pairs = [(name, url) for name in names for url in pages_of(name)]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, CAPTCHA_ENABLED="0", RATELIMIT_ENABLED="0")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "--log-level", "warning", "run:app"], cwd=ROOT, env=env)
    try:
        for _wait in range(120):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        cookies = {name: http_login(base, name) for name in names}
        items = ", ".join('{"%s", "%s"}' % (url, cookies[name]) for name, url in pairs)
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder, "mix.lua")
            script.write_text(WRK_SCRIPT % items)
            # Warm every worker (caches, prepared statements) before measuring.
            subprocess.run(["wrk", "-t2", f"-c{args.connections}", "-d5s", "-s", str(script), base],
                           capture_output=True, text=True)
            # Where the CPU goes: gunicorn's workers, PostgreSQL's backends, the machine as a whole.
            workers, backends = processes(f"127.0.0.1:{port}"), processes("postgres")
            before = cpu_seconds(workers), cpu_seconds(backends), os.times().elapsed, _machine_busy()
            output = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "-s", str(script),
                                     base], capture_output=True, text=True).stdout
            after = cpu_seconds(workers), cpu_seconds(backends), os.times().elapsed, _machine_busy()
    finally:
        server.terminate()
        server.wait()
    requests, duration_us, errors, p50, p95, p99, worst = re.search(r"RESULT (.+)", output).group(1).split()
    rate = int(requests) / (int(duration_us) / 1e6)
    print(f"mixed load: {len(names)} users, {len(pairs)} (user, page) pairs, gunicorn -w {args.workers}, "
          f"wrk -c{args.connections} for {args.seconds} s")
    print(f"  app: {rate:7.1f} requests/s, p50 {p50} ms, p95 {p95} ms, p99 {p99} ms, max {worst} ms, "
          f"{errors} errors (of {requests})")
    served = int(requests)
    app_cpu, db_cpu = ((after[i] - before[i]) * 1000 / served for i in (0, 1))
    busy = (after[3] - before[3]) * 1000 / served
    print(f"  CPU per request: app {app_cpu:.1f} ms, PostgreSQL {db_cpu:.1f} ms, machine {busy:.1f} ms "
          f"(of {os.cpu_count()} cores: {os.cpu_count() * 1000 / busy if busy else 0:.0f} requests/s at full use)")
    if args.app_only:
        return
    scripts = sql_mix(pairs)
    with tempfile.TemporaryDirectory() as folder:
        options = []
        for index, body in enumerate(scripts):
            path = Path(folder, f"page{index}.sql")
            path.write_text(body)
            options += ["-f", str(path)]
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        result = subprocess.run(["pgbench", "-n", "-c", str(args.connections), "-j", "2", "-T", str(args.seconds),
                                 *options, url], capture_output=True, text=True)
    tps = re.search(r"tps = ([\d.]+)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    if tps:
        print(f"  SQL only (pgbench, same statements per page, {args.connections} clients): "
              f"{float(tps.group(1)):7.1f} pages/s, mean {latency.group(1)} ms; ratio app/SQL "
              f"{float(tps.group(1)) / rate:4.1f}x")
    else:
        print("  pgbench failed:", result.stderr[-500:])


if __name__ == "__main__":
    main()
