"""Settings for the test suite: the production settings with fast hashing and plain HTTP."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from kompeten.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
AXES_ENABLED = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# SQLite tests use a file database, so that threads with their own connections share it (the seat race).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so that concurrent test runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-kompeten-{os.getpid()}.sqlite3")}  # noqa: F405

# Uploaded files go to a folder of this test process, removed when it exits.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kompeten-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# Signing keys of this test process, in a folder of their own, removed when it exits.
KOMPETEN_KEY_DIR = Path(tempfile.mkdtemp(prefix="kompeten-test-keys-")) / "keys"
atexit.register(shutil.rmtree, KOMPETEN_KEY_DIR.parent, ignore_errors=True)

# Tasks run in the process that enqueues them, unless a test starts a real worker (the crash test).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
