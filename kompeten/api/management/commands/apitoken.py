"""``kompeten apitoken create --user EMAIL --name NAME [--days N]`` · ``list [--user EMAIL] [--json]`` ·
``revoke PREFIX``.

``create`` prints the token once (only its SHA-256 is kept); ``list`` shows the tokens by their prefix; ``revoke``
ends a token at once. Issuing and revoking are audited (kompeten/api/tokens.py).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.accounts.models import User
from kompeten.api.models import ApiToken
from kompeten.api.tokens import issue_token, revoke_token
from kompeten.core.commands import KompetenCommand, bad_input


class Command(KompetenCommand):
    HELP = gettext_lazy("API tokens of partner systems: create (printed once), list, revoke.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token for a user; it is printed once.")
        create.add_argument("--user", required=True, help="The email address of the user the token acts as.")
        create.add_argument("--name", required=True, help="Which system uses it.")
        create.add_argument("--days", type=int, default=365, help="Days until it expires (default 365; 0: never).")
        listing = sub.add_parser("list", help="The tokens, by prefix.")
        listing.add_argument("--user", help="Only this user's tokens.")
        listing.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="Revoke a token at once.")
        revoke.add_argument("prefix", help="The token's prefix (its first 8 characters, as in the list).")

    def _user(self, email: str) -> User:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise bad_input(_("There is no user with the email address %(email)s.") % {"email": email})
        if not user.is_active:
            raise bad_input(_("The user %(email)s is not active.") % {"email": email})
        return user

    def do_create(self, *, user, name, days, **options):
        if days < 0:
            raise bad_input(_("--days is 0 (never expires) or more."))
        if not name.strip():
            raise bad_input(_("--name must say which system uses the token."))
        token, text = issue_token(self._user(user), name=name, days=days or None)
        self.stdout.write(text)
        expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d") if token.expires_at else _("never")
        self.stderr.write(_("Token %(prefix)s… for %(user)s (expires: %(expires)s). It is shown only now: keep it "
                            "in the partner system's secret store.") % {"prefix": token.prefix, "user": token.user,
                                                                         "expires": expires})

    def do_list(self, *, user=None, json=False, **options):
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
        if user:
            tokens = tokens.filter(user=self._user(user))

        def when(value):
            return timezone.localtime(value).isoformat(timespec="minutes") if value else None

        rows = [{"prefix": t.prefix, "name": t.name, "user": t.user.email or t.user.phone,
                 "created": when(t.created_at), "expires": when(t.expires_at), "revoked": when(t.revoked_at),
                 "last_used": when(t.last_used_at),
                 "active": t.is_active} for t in tokens]
        if json:
            self.json_out(rows)
            return
        for row in rows:
            state = _("active") if row["active"] else (_("revoked") if row["revoked"] else _("expired"))
            self.stdout.write(f"{row['prefix']}  {state:8}  {row['user']}  {row['name']}  "
                              f"{_('expires')} {row['expires'] or '—'}  {_('last used')} {row['last_used'] or '—'}")

    def do_revoke(self, *, prefix, **options):
        matches = list(ApiToken.objects.filter(prefix=prefix.strip()[:8]))
        if not matches:
            raise bad_input(_("No token has the prefix %(prefix)s.") % {"prefix": prefix})
        if len(matches) > 1:
            raise bad_input(_("%(n)s tokens have the prefix %(prefix)s.") % {"n": len(matches), "prefix": prefix})
        revoke_token(matches[0], by=None)
        self.stdout.write(_("Token %(prefix)s… revoked.") % {"prefix": matches[0].prefix})
