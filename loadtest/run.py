"""The fault and load suite: ``make load``.

For each database (SQLite, then PostgreSQL), on loopback only:

1. a fresh database with the demo (its open round has boroughs at every stage);
2. the application under gunicorn with several workers, as in production
   (DEBUG off, collected static files);
3. locust, headless and bounded in time: borough leads (several per borough)
   editing, submitting and uploading, the ICS reviewer reviewing, readers reading;
4. meanwhile, the hostile requests of ``faults.py``, each timed;
5. afterwards, the database is checked (``check.py``): no acknowledged change
   lost, no two saves from one version, nothing written by the hostile requests;
   and no uploaded file left behind by a refused upload.

It prints a summary and writes it to ``var/load/summary.md``. It exits non-zero
when a server error, a lost write or an unclear answer was seen.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = Path(sys.executable).parent
OUT = ROOT / "var" / "load"
ROUND = "atf-stocktake-2026"
PG_SERVER = os.environ.get("LOAD_PG_SERVER", "postgres://postgres@127.0.0.1:5432")

sys.path.insert(0, str(ROOT))
from loadtest import faults  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fresh_database(name: str, workdir: Path) -> str:
    if name == "sqlite":
        path = workdir / "load.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS atf_load WITH (FORCE)")
        connection.execute("CREATE DATABASE atf_load")
    return f"{PG_SERVER}/atf_load"


class MemoryWatch(threading.Thread):
    """The largest resident memory of any of the server's processes, sampled twice a second."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                for process in [self.root, *self.root.children(recursive=True)]:
                    self.peak = max(self.peak, process.memory_info().rss)
            except psutil.Error:
                pass
            self.done.wait(0.5)


def wait_until_ready(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in ("/readyz", "/accounts/login/"):
            try:
                if requests.get(base + path, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
        time.sleep(0.5)
    raise SystemExit(f"The server at {base} did not answer within {seconds:.0f} s.")


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def run_database(name: str, args) -> dict:
    workdir = OUT / name
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "media").mkdir(parents=True)
    password = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database(name, workdir),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "MEDIA_ROOT": str(workdir / "media"),
        "DEMO_PASSWORD": password,
        "LOG_LEVEL": "WARNING",
    }
    print(f"== {name}: database and demo ==", flush=True)
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    before = workdir / "before.json"
    before.write_text(subprocess.check_output([sys.executable, str(HERE / "check.py"), "snapshot"], env=env, text=True))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(VENV_BIN / "gunicorn"), "atf.wsgi"]
    if (ROOT / "gunicorn.conf.py").exists():
        command += ["--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--access-logfile", "-"]
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 - open for the server's whole life
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    memory = MemoryWatch(server.pid)
    try:
        wait_until_ready(base)
        memory.start()
        probes: list = []

        def send_faults():
            time.sleep(args.fault_delay)
            try:
                probes.extend(faults.run(base, password, ROUND))
            except Exception as exc:
                probes.append(faults.Probe("the hostile requests", 0, 0, False, f"could not be sent: {exc!r}"))

        fault_thread = threading.Thread(target=send_faults, daemon=True)
        print(f"== {name}: {args.users} users for {args.time} on gunicorn with {args.workers} workers ==", flush=True)
        fault_thread.start()
        acks = workdir / "acknowledged.json"
        locust = subprocess.run(
            [
                str(VENV_BIN / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                args.time,
                "--host",
                base,
                "--csv",
                str(workdir / "locust"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **env,
                "LOAD_PASSWORD": password,
                "LOAD_ACK_FILE": str(acks),
                "LOAD_ROUND": ROUND,
                "PYTHONPATH": str(ROOT),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        (workdir / "locust.log").write_text(locust.stdout + locust.stderr)
        fault_thread.join(timeout=300)
    finally:
        memory.done.set()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    findings = json.loads(
        subprocess.check_output(
            [sys.executable, str(HERE / "check.py"), "verify", str(acks), str(before)], env=env, text=True
        )
    )
    # A preview not confirmed keeps its file until the daily purge; a refused upload keeps nothing, and the
    # hostile files are all far larger than any workbook.
    kept = [path for path in (workdir / "media").rglob("*") if path.is_file()]
    left_behind = [str(path.relative_to(workdir)) for path in kept if path.stat().st_size > 5 * 1024 * 1024]
    server_errors = sum(
        1 for line in (workdir / "gunicorn.log").read_text().splitlines() if '" 50' in line and "HTTP/1" in line
    )
    return {
        "database": name,
        "stats": read_stats(workdir / "locust"),
        "probes": probes,
        "findings": findings,
        "left_behind": left_behind,
        "server_errors": server_errors,
        "peak_rss": memory.peak,
        "workers": args.workers,
        "users": args.users,
        "time": args.time,
    }


def summary(results: list[dict]) -> tuple[str, bool]:
    lines = ["# Fault and load suite", ""]
    good = True
    for result in results:
        total = next((row for row in result["stats"] if row["Name"] == "Aggregated"), None)
        requests_made = int(total["Request Count"]) if total else 0
        failures = int(total["Failure Count"]) if total else 0
        findings = result["findings"]
        lines += [
            f"## {result['database']}: {result['users']} users for {result['time']}, gunicorn with "
            f"{result['workers']} workers",
            "",
            f"- requests: {requests_made}, failures (5xx or no answer): {failures}, "
            f"server errors in the server's log: {result['server_errors']}",
            f"- changes acknowledged: {findings['acknowledged']}, lost: {findings['lost_count']}, "
            f"saved twice from one version: {findings['saved_twice_count']}",
            f"- written by the hostile requests: {findings['written_by_hostile_requests'] or 'nothing'}; "
            f"refused uploads left on disk: {len(result['left_behind'])}",
            f"- largest server process: {result['peak_rss'] / 1e6:.0f} MB",
            "",
            "| page | requests | median ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for row in result["stats"]:
            if row["Name"] != "Aggregated":
                lines.append(
                    f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['50%']} | {row['95%']} | "
                    f"{float(row['Max Response Time']):.0f} |"
                )
        lines += ["", "| hostile request | answer | seconds | what the page said |", "| --- | ---: | ---: | --- |"]
        for probe in result["probes"]:
            lines.append(f"| {probe.name} | {probe.status} | {probe.seconds:.2f} | {probe.said[:160]} |")
            good &= probe.ok
        if len(result["probes"]) != len(faults.PROBES):
            lines.append(
                f"\nOnly {len(result['probes'])} of the {len(faults.PROBES)} hostile requests were sent: a page they "
                "start from was not offered."
            )
        lines.append("")
        good &= (
            failures == 0
            and result["server_errors"] == 0
            and findings["lost_count"] == 0
            and findings["saved_twice_count"] == 0
            and not findings["written_by_hostile_requests"]
            and not result["left_behind"]
            and len(result["probes"]) == len(faults.PROBES)
        )
    lines.append("Result: " + ("passed" if good else "**FAILED**"))
    return "\n".join(lines) + "\n", good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--time", default="60s")
    parser.add_argument("--workers", type=int, default=4)
    # People arrive over some seconds, as on a Monday morning, rather than all signing in at one instant.
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--fault-delay", type=float, default=10)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = [run_database(name.strip(), args) for name in args.databases.split(",") if name.strip()]
    text, good = summary(results)
    (OUT / "summary.md").write_text(text)
    print(text)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
