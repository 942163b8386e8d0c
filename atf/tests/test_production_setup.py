"""The production setup: lock files that pin every dependency with hashes, and gunicorn's configuration."""

import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pins(path: Path) -> dict[str, str]:
    """name == version for each requirement line of a requirements file (following -r includes)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            found.update(pins(path.parent / line[3:].strip()))
        elif match := re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", line):
            found[match.group(1).lower().replace("_", "-")] = match.group(2)
    return found


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """name: (version, number of hashes) for each package of a pip-compile lock file."""
    text = path.read_text()
    packages = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if match := re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", block):
            packages[match.group(1).lower().replace("_", "-")] = (match.group(2), block.count("--hash=sha256:"))
    return packages


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_each_lock_holds_every_requirement_at_its_pinned_version(requirements, lock):
    wanted, have = pins(ROOT / requirements), locked(ROOT / lock)
    stale = {
        name: (version, have.get(name, ("missing",))[0])
        for name, version in wanted.items()
        if have.get(name, ("",))[0] != version
    }
    assert not stale, f"{requirements} changed since {lock} was written: run `make lock`. {stale}"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_has_a_hash(lock):
    packages = locked(ROOT / lock)
    assert packages
    assert not [name for name, (_, hashes) in packages.items() if hashes == 0]


def test_the_two_locks_agree_on_the_runtime_packages():
    runtime, dev = locked(ROOT / "requirements.lock"), locked(ROOT / "requirements-dev.lock")
    assert {name: version for name, (version, _) in runtime.items()} == {name: dev[name][0] for name in runtime}
    assert {"gunicorn", "django-csp", "django"} <= set(runtime)
    assert {"pytest", "playwright", "pip-tools"} <= set(dev)


def test_make_installs_from_the_locks_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(PIP) install -q --require-hashes -r requirements.lock" in makefile
    assert "$(PIP) install -q --require-hashes -r requirements-dev.lock" in makefile
    assert "--generate-hashes" in makefile


def gunicorn_config(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND", "HOST", "PORT", "GUNICORN_TIMEOUT", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_defaults(monkeypatch):
    config = gunicorn_config(monkeypatch)
    assert 3 <= config["workers"] <= 8
    assert config["bind"] == "0.0.0.0:8000"
    assert config["accesslog"] == "-" and config["errorlog"] == "-"
    assert config["timeout"] == 60 and config["graceful_timeout"] == 30
    assert config["max_requests"] == 1000 and config["max_requests_jitter"] == 100
    assert config["preload_app"] is False
    assert config["wsgi_app"] == "atf.wsgi:application"
    assert config["control_socket_disable"] is True


def test_gunicorn_reads_the_environment(monkeypatch):
    config = gunicorn_config(monkeypatch, WEB_CONCURRENCY="3", HOST="127.0.0.1", PORT="9000", GUNICORN_TIMEOUT="90")
    assert config["workers"] == 3 and config["bind"] == "127.0.0.1:9000" and config["timeout"] == 90
    assert gunicorn_config(monkeypatch, GUNICORN_BIND="unix:/run/atf.sock")["bind"] == "unix:/run/atf.sock"


def test_gunicorn_refuses_to_start_when_the_checks_fail(monkeypatch):
    config = gunicorn_config(monkeypatch)
    calls = []

    server = SimpleNamespace(log=SimpleNamespace(error=lambda *args: calls.append(args)))
    monkeypatch.setitem(config["on_starting"].__globals__, "subprocess", _FakeSubprocess(returncode=1))
    with pytest.raises(SystemExit):
        config["on_starting"](server)
    assert calls
    monkeypatch.setitem(config["on_starting"].__globals__, "subprocess", _FakeSubprocess(returncode=0))
    config["on_starting"](server)


class _FakeSubprocess:
    def __init__(self, returncode):
        self.returncode = returncode

    def run(self, command, **kwargs):
        assert command[-3:] == ["check", "--fail-level", "ERROR"]
        return type("Result", (), {"returncode": self.returncode})()
