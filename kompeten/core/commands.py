"""The base of Kompeten's management commands with subcommands (``kompeten certificates ...``, ``kompeten jobs ...``).

A command sets ``HELP`` (a lazy translation: argparse needs a str, made when the help is shown, in the language of
that moment), adds its subparsers with ``dest="action"`` and writes one ``do_<action>`` method per subcommand
(a "-" in the name becomes "_"). A DomainError (a rule that says no) and ``bad_input(...)`` end the command with
exit code 2 and the message on stderr; ``json_out`` prints the answer of ``--json``.
"""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kompeten.core.errors import DomainError

BAD_INPUT = 2


def bad_input(message: str) -> CommandError:
    """The error that ends a command given a bad argument (exit code 2)."""
    return CommandError(message, returncode=BAD_INPUT)


def today_option(value: str | None) -> datetime.date | None:
    """The day of a ``--today YYYY-MM-DD`` option (None when not given); bad input otherwise."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise bad_input(_("--today must be a date as YYYY-MM-DD, not %(value)r.") % {"value": value}) from None


class KompetenCommand(BaseCommand):
    HELP = ""  # a lazy translation

    @property
    def help(self) -> str:  # argparse needs a str, not a lazy translation
        return str(self.HELP)

    def handle(self, *args, action, **options):
        try:
            return getattr(self, "do_" + action.replace("-", "_"))(**options)
        except DomainError as error:
            raise bad_input(error.message) from None

    def json_out(self, data, *, indent: int | None = 2) -> None:
        """``data`` as JSON on stdout (non-ASCII letters as they are)."""
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent))
