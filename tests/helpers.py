"""Run Django in a child process with exactly the environment a test gives it.

Settings are read once at import, so anything that depends on environment variables
(production settings, SSO, the RQ backend) is tested in a fresh interpreter.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def django_env(settings_module="config.settings.dev", **extra):
    """A minimal environment: no inherited DJANGO_* or DATABASE_URL from the test run."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DJANGO_LOG_LEVEL": "WARNING",
        **extra,
    }


def run_python(*args, env, timeout=180):
    """`python ARGS` in the project root; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_django_code(code, *, env, timeout=180):
    """Run CODE after django.setup(); fail the test with stderr if it fails; return stdout."""
    result = run_python("-c", "import django; django.setup();" + code, env=env, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def redis_available(host="127.0.0.1", port=6379) -> bool:
    """Tests of the Redis-backed parts run where a Redis server answers (CI machines have one)."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
