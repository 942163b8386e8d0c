"""Settings come from the environment and refuse unsafe configurations."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_django(*args, **env):
    project_variables = {
        "SECRET_KEY",
        "DEBUG",
        "DATABASE_URL",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "STATIC_ROOT",
    }
    clean = {k: v for k, v in os.environ.items() if k not in project_variables}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_django("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_with_neither_set_it_runs_as_a_developer_s_machine():
    result = run_django("check")
    assert result.returncode == 0, result.stderr
    production_like = run_django("diffsettings", "--all", SECRET_KEY="x" * 60, ALLOWED_HOSTS="atf.example.org")
    assert "DEBUG = False" in production_like.stdout


def test_it_starts_without_a_secret_key_in_debug():
    result = run_django("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_it_refuses_a_debug_value_it_does_not_understand():
    result = run_django("check", DEBUG="maybe", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_the_deployment_check_is_clean_with_production_settings(tmp_path):
    production = {
        "SECRET_KEY": "k2J9-fT8x_Qw3eRz7LmNp0sVb4Yc6HdGu1iKoA5jXlZ-qWeRtYuIoPaSdFgHjKl",
        "ALLOWED_HOSTS": "atf.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://atf.example.org",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    # As a deployment does (make serve-prod): static files collected first, which the check requires.
    collected = run_django("collectstatic", "--noinput", "-v", "0", **production)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    result = run_django("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_migrations_are_complete():
    result = run_django("makemigrations", "--check", "--dry-run", DEBUG="true")
    assert result.returncode == 0, result.stdout + result.stderr
