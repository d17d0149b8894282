"""Settings for the real ``db_worker`` processes that the crash test (test_jobs.py) starts and kills.

The test settings, except: tasks go through the database backend, and the worker uses the test's own database
(KOMPETEN_CRASH_DB_NAME: the test database name, or the SQLite file path) and the test's key folder
(KOMPETEN_CRASH_KEY_DIR), so that the certificates it signs verify in the test process and the other way round.
The worker may be killed with SIGKILL: the temporary folders that the test settings make for it are removed at
once, not at exit.
"""

import os
import shutil
from pathlib import Path

from kompeten.settings_test import *  # noqa: F403

shutil.rmtree(MEDIA_ROOT, ignore_errors=True)  # noqa: F405
shutil.rmtree(KOMPETEN_KEY_DIR.parent, ignore_errors=True)  # noqa: F405
MEDIA_ROOT = Path(os.environ["KOMPETEN_CRASH_MEDIA_ROOT"])
KOMPETEN_KEY_DIR = Path(os.environ["KOMPETEN_CRASH_KEY_DIR"])

DATABASES["default"]["NAME"] = os.environ["KOMPETEN_CRASH_DB_NAME"]  # noqa: F405
DATABASES["default"].pop("TEST", None)  # noqa: F405

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
