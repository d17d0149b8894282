"""Production settings pass Django's deployment checklist; the console script works from any folder."""

import json
import os
import subprocess
import sys
from pathlib import Path

KOMPETEN = str(Path(sys.executable).with_name("kompeten"))


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "KOMPETEN_HTTPS", "DEBUG")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "KOMPETEN_VAR_DIR": str(tmp_path / "var")})
    env.update(extra)
    return env


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = _env(tmp_path, DEBUG="0", SECRET_KEY="x7" * 30 + "-production-secret-for-the-check",
               ALLOWED_HOSTS="kompeten.disnakertrans.example")
    result = subprocess.run([KOMPETEN, "check", "--deploy", "--fail-level", "WARNING"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_secret_key_is_kept_under_var(tmp_path):
    env = _env(tmp_path)
    env.pop("SECRET_KEY", None)
    for _ in range(2):
        subprocess.run([KOMPETEN, "check"], cwd=tmp_path, env=env, capture_output=True, timeout=120, check=True)
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.exists() and len(key_file.read_text().strip()) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_console_script_migrates_and_counts_from_any_folder(tmp_path):
    env = _env(tmp_path)
    subprocess.run([KOMPETEN, "migrate", "-v0"], cwd=tmp_path, env=env, check=True, timeout=300)
    result = subprocess.run([KOMPETEN, "stats", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120, check=True)
    counts = json.loads(result.stdout)
    assert counts["persons"] == 0 and counts["centres"] == 0
