"""``kompeten certificates ...``: list, verify, print, issue, revoke certificates; keys and the ledger.

    kompeten certificates list [--json] [--issuer CODE] [--kind training|competency|apprenticeship]
                               [--status active|suspended|revoked]
    kompeten certificates verify "QR TEXT or DIGITS" [--keys keys.json] [--status-list FILE.json ...]
                                 [--now ISO] [--birth-date YYYY-MM-DD]
    kompeten certificates pdf NUMBER_OR_CODE --out FILE.pdf
    kompeten certificates openbadge NUMBER_OR_CODE
    kompeten certificates issue (--batch ID | --event ID) [--sync]
    kompeten certificates resume
    kompeten certificates revoke NUMBER_OR_CODE --reason TEXT
    kompeten certificates suspend NUMBER_OR_CODE --reason TEXT
    kompeten certificates rotate-key ISSUER_CODE
    kompeten certificates keys [--out FILE]
    kompeten certificates ledger verify
    kompeten certificates ledger sign-head [--day YYYY-MM-DD]

``verify`` with ``--keys`` (the JWK set of /.well-known/kompeten/keys.json, or ``kompeten certificates keys``)
works offline: it reads no database. It checks the signature and the key's window, the competence's expiry,
and, given status list files (the BitstringStatusListCredentials of /status/{issuer}/revocation and
/suspension), the certificate's bit in them; a list counts only when its proof verifies with a key of the same
file that belongs to the certificate's issuer. Without ``--keys`` it asks the register (the database), as the
public page does. It prints one JSON object {status, reason, checks, certificate[, status_list_age_seconds]} and
exits 0 when the status is "valid", 1 otherwise.

Exit codes: 0 done (or valid), 1 not valid (verify) or a broken ledger (ledger verify), 2 bad input (an unknown
number, an unreadable or malformed file, a bad date, a rule that says no); the message on stderr names the
argument or the file.
"""

from __future__ import annotations

import datetime
import json
import time
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.certificates import codec, keys, statuslist
from kompeten.certificates.models import CertificateKind, CertificateStatus
from kompeten.core.commands import KompetenCommand, bad_input
from kompeten.core.errors import DomainError

NOT_VALID = 1


def _read_json(path: str, what: str):
    """The JSON in the file at ``path``; a CommandError naming the file otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad_input(_("Cannot read the %(what)s file %(path)s: %(reason)s")
                        % {"what": what, "path": path, "reason": getattr(exc, "strerror", None) or exc}) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad_input(_("The %(what)s file %(path)s is not valid JSON (line %(line)s, column %(column)s): "
                          "%(reason)s") % {"what": what, "path": path, "line": exc.lineno, "column": exc.colno,
                                           "reason": exc.msg}) from None


def _moment(text: str, option: str) -> datetime.datetime:
    """An ISO 8601 date or date-time; without a zone it is in the project's time zone."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise bad_input(_("%(option)s must be an ISO 8601 date or date and time (e.g. 2025-06-01 or "
                          "2025-06-01T10:00:00+08:00), not %(value)r.") % {"option": option, "value": text}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return moment


def _day(text: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise bad_input(_("%(option)s must be a date YYYY-MM-DD, not %(value)r.")
                        % {"option": option, "value": text}) from None


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- offline verification ------------------------------------------------------------------------------

class StatusListFile:
    """A BitstringStatusListCredential read from a file, its proof checked against the keyring."""

    def __init__(self, path: str, document, keyring: keys.Keyring):
        self.path = path
        if not isinstance(document, dict):
            raise self._error(_("it is not a JSON object"))
        subject = document.get("credentialSubject")
        if not isinstance(subject, dict) or "BitstringStatusListCredential" not in (document.get("type") or []):
            raise self._error(_("it is not a BitstringStatusListCredential"))
        self.purpose = subject.get("statusPurpose")
        if self.purpose not in statuslist.PURPOSES:
            raise self._error(_("statusPurpose must be one of %(purposes)s")
                              % {"purposes": ", ".join(statuslist.PURPOSES)})
        try:
            self.bits = statuslist.StatusList.decode(subject.get("encodedList"))
        except statuslist.StatusListError as exc:
            raise self._error(str(exc)) from None
        self.id = document.get("id")
        valid_from = document.get("validFrom")
        try:
            self.valid_from = datetime.datetime.fromisoformat(str(valid_from).replace("Z", "+00:00"))
            if self.valid_from.tzinfo is None:
                raise ValueError
        except ValueError:
            raise self._error(_("validFrom must be a date and time with a time zone, not %(value)r")
                              % {"value": valid_from}) from None
        self.iss = self._signer(document, keyring)

    def _error(self, reason: str) -> CommandError:
        return bad_input(_("The status list file %(path)s cannot be used: %(reason)s.")
                         % {"path": self.path, "reason": reason})

    def _signer(self, document: dict, keyring: keys.Keyring) -> str:
        """The ``iss`` of the keyring key whose proof on the list verifies (and vouches for its moment)."""
        from kompeten.certificates import openbadge  # pyld: only when a status list is given

        proofs = document.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if not isinstance(proof, dict):
                continue
            try:
                public = openbadge.public_key_from_multikey(str(proof.get("verificationMethod")))
                created = datetime.datetime.fromisoformat(str(proof.get("created")).replace("Z", "+00:00"))
            except (openbadge.CredentialError, ValueError):
                continue
            info = keyring.lookup(keys.kid_for(public))
            if info is None or created.tzinfo is None or info.check(int(created.timestamp())) is not None:
                continue
            if openbadge.verify_proof({**document, "proof": [proof]}, public):
                return info.iss
        raise self._error(_("its proof does not verify with any key of the keys file"))


def verify_offline(text: str, keyring: keys.Keyring, lists: list[StatusListFile], now: int,
                   birth_date: datetime.date | None = None) -> dict:
    """The verification answer from the QR text, the keyring and the status lists alone (no database)."""
    result = codec.verify(text, keyring, now=now)
    if not result.ok:
        return {"status": "invalid", "reason": result.reason,
                "checks": [{"check": "signature", "ok": False, "detail": result.reason}], "certificate": None}
    claims = result.claims
    checks = [{"check": "signature", "ok": True, "detail": keys.b64url(result.kid)}]
    competent = not result.competence_expired
    checks.append({"check": "competence", "ok": competent, "detail": claims.valid_until or ""})
    status, reason = ("valid" if competent else "expired"), ("valid" if competent else "expired")
    answer = {}
    mine = [item for item in lists if item.iss == claims.iss]
    if claims.status_index is None:
        checks.append({"check": "status", "ok": None,
                       "detail": "not checked: the QR code carries no status index"})
    elif not mine:
        detail = "not checked: no status list given" if not lists else \
            "not checked: no status list of this issuer given"
        checks.append({"check": "status", "ok": None, "detail": detail})
    else:
        ages = []
        for item in mine:
            if claims.status_index >= item.bits.size:
                raise item._error(_("it has %(size)s entries and does not cover status index %(index)s (it is "
                                    "older than the certificate)") % {"size": item.bits.size,
                                                                      "index": claims.status_index})
            flagged = item.bits.get(claims.status_index)
            age = int(now - item.valid_from.timestamp())
            ages.append(age)
            checks.append({"check": "status", "ok": not flagged, "purpose": item.purpose,
                           "detail": ("revoked" if item.purpose == "revocation" else "suspended") if flagged else "",
                           "list": item.id, "valid_from": _iso(item.valid_from), "age_seconds": age})
            if flagged and item.purpose == "revocation":
                status = reason = "revoked"
            elif flagged and status != "revoked":
                status = reason = "suspended"
        answer["status_list_age_seconds"] = max(ages)
    certificate = {
        "number": claims.number, "kind": claims.kind, "holder_name": claims.holder_name, "title": claims.title,
        "scheme_code": claims.scheme_code, "units": list(claims.units), "kkni_level": claims.kkni_level,
        "issuer": claims.issuer_name, "iss": claims.iss, "centre": claims.centre_name, "issued_on": claims.issued_on,
        "valid_until": claims.valid_until, "status_index": claims.status_index,
        "signed_at": _iso(datetime.datetime.fromtimestamp(claims.iat, datetime.UTC)),
    }
    if birth_date is not None:
        certificate["birth_date_matches"] = claims.holder_birth_date == birth_date.isoformat()
    return {"status": status, "reason": reason, "checks": checks, "certificate": certificate, **answer}


# --- the command -----------------------------------------------------------------------------------------

class Command(KompetenCommand):
    HELP = gettext_lazy("Certificates: list, verify (offline with a keys file), print as PDF, issue, revoke or "
                        "suspend; signing keys and the ledger.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        listing = sub.add_parser("list", help=str(gettext_lazy("List certificates.")))
        listing.add_argument("--json", dest="as_json", action="store_true",
                             help=str(gettext_lazy("Print one JSON array.")))
        listing.add_argument("--issuer", help=str(gettext_lazy("Only this issuer (its code).")))
        listing.add_argument("--kind", choices=list(CertificateKind.values),
                             help=str(gettext_lazy("Only certificates of this kind.")))
        listing.add_argument("--status", choices=list(CertificateStatus.values),
                             help=str(gettext_lazy("Only certificates with this status.")))

        verify = sub.add_parser("verify", help=str(gettext_lazy("Verify a scanned QR text or its digits.")))
        verify.add_argument("text", help=str(gettext_lazy("The QR text (the …/v#digits link) or the digits.")))
        verify.add_argument("--keys", dest="keys_file", metavar="FILE", help=str(gettext_lazy(
            "JWK set file (keys.json): verify offline, without the database.")))
        verify.add_argument("--status-list", action="append", default=[], metavar="FILE",
                            help=str(gettext_lazy("A status list credential file (revocation or suspension); "
                                                  "may be given more than once.")))
        verify.add_argument("--now", help=str(gettext_lazy("Verify as of this moment (ISO 8601).")))
        verify.add_argument("--birth-date", help=str(gettext_lazy(
            "A birth date you were given (YYYY-MM-DD): say whether the certificate's matches.")))

        pdf = sub.add_parser("pdf", help=str(gettext_lazy("Write a certificate as PDF.")))
        pdf.add_argument("certificate", help=str(gettext_lazy("Certificate number or verification code.")))
        pdf.add_argument("--out", required=True, help=str(gettext_lazy("The PDF file to write.")))

        badge = sub.add_parser("openbadge", help=str(gettext_lazy("Print a certificate as an Open Badge 3.0.")))
        badge.add_argument("certificate", help=str(gettext_lazy("Certificate number or verification code.")))

        issue = sub.add_parser("issue", help=str(gettext_lazy(
            "Issue every certificate of a batch (training) or an assessment event (competency).")))
        source = issue.add_mutually_exclusive_group(required=True)
        source.add_argument("--batch", type=int, help=str(gettext_lazy("Batch id.")))
        source.add_argument("--event", type=int, help=str(gettext_lazy("Assessment event id.")))
        issue.add_argument("--sync", action="store_true",
                           help=str(gettext_lazy("Issue in this process instead of a background worker.")))

        sub.add_parser("resume", help=str(gettext_lazy("Run again every issuance job that did not finish.")))

        remind = sub.add_parser("remind", help=str(gettext_lazy(
            "Remind holders and their centre 90 and 30 days before a competence expires (run daily).")))
        remind.add_argument("--today", help=str(gettext_lazy("Act as if today were this day (YYYY-MM-DD).")))

        for action, text in (("revoke", gettext_lazy("Revoke a certificate.")),
                             ("suspend", gettext_lazy("Suspend a certificate."))):
            change = sub.add_parser(action, help=str(text))
            change.add_argument("certificate", help=str(gettext_lazy("Certificate number or verification code.")))
            change.add_argument("--reason", required=True,
                                help=str(gettext_lazy("Why (shown to whoever verifies the certificate).")))

        rotate = sub.add_parser("rotate-key", help=str(gettext_lazy(
            "Retire an issuer's signing key and make a new one.")))
        rotate.add_argument("issuer", help=str(gettext_lazy("Issuer code.")))

        compromise = sub.add_parser("compromise-key", help=str(gettext_lazy(
            "Declare a signing key compromised from a moment on; list the certificates to re-issue.")))
        compromise.add_argument("kid", help=str(gettext_lazy("The key id (kid), as in keys.json.")))
        compromise.add_argument("--since", required=True, help=str(gettext_lazy(
            "The earliest moment the key may have leaked (ISO 8601, e.g. 2025-06-01T00:00+08:00).")))

        keyset = sub.add_parser("keys", help=str(gettext_lazy("Print the public keys (JWK set).")))
        keyset.add_argument("--out", help=str(gettext_lazy("Write them to this file instead.")))

        ledger = sub.add_parser("ledger", help=str(gettext_lazy("The hash-chained ledger.")))
        ledger_sub = ledger.add_subparsers(dest="ledger_action", required=True)
        ledger_sub.add_parser("verify", help=str(gettext_lazy("Check the chain and the signed heads.")))
        head = ledger_sub.add_parser("sign-head", help=str(gettext_lazy("Sign the ledger's head of a day.")))
        head.add_argument("--day", help=str(gettext_lazy("The day (YYYY-MM-DD); default yesterday.")))

    def out(self, text: str) -> None:
        self.stdout.write(text)

    # --- lookups ---

    def certificate(self, text: str):
        from kompeten.certificates import services

        cert = services.find(text)
        if cert is None:
            raise bad_input(_("There is no certificate with the number or verification code %(text)r.")
                            % {"text": text})
        return cert

    def issuer(self, code: str):
        from kompeten.certificates.models import Issuer

        issuer = Issuer.objects.filter(code=code).first()
        if issuer is None:
            known = ", ".join(Issuer.objects.order_by("code").values_list("code", flat=True)) or "-"
            raise bad_input(_("Unknown issuer %(code)r; the known issuer codes are: %(known)s.")
                            % {"code": code, "known": known})
        return issuer

    # --- subcommands ---

    def do_list(self, *, as_json=False, issuer=None, kind=None, status=None, **_options):
        from kompeten.certificates.models import Certificate

        certs = Certificate.objects.select_related("issuer").order_by("issued_at", "pk")
        if issuer:
            certs = certs.filter(issuer=self.issuer(issuer))
        if kind:
            certs = certs.filter(kind=kind)
        if status:
            certs = certs.filter(status=status)
        rows = [{"number": cert.number, "public_code": cert.public_code, "kind": cert.kind,
                 "holder_name": cert.holder_name, "status": cert.status, "issuer": cert.issuer.code,
                 "issued": cert.issued_on.isoformat(),
                 "expires": cert.valid_until.isoformat() if cert.valid_until else None}
                for cert in certs.iterator(chunk_size=2000)]
        if as_json:
            self.json_out(rows)
            return
        if not rows:
            self.out(_("No certificates."))
            return
        widths = [max(len(row[key] or "") for row in rows)
                  for key in ("number", "public_code", "holder_name", "kind")]
        for row in rows:
            self.out(f"{row['number']:<{widths[0]}}  {row['public_code']:<{widths[1]}}  {row['kind']:<{widths[3]}}  "
                     f"{row['holder_name']:<{widths[2]}}  {row['status']:<9}  {row['issued']}  {row['expires'] or '-'}")
        self.out(_("%(count)s certificates.") % {"count": len(rows)})

    def do_verify(self, *, text, keys_file=None, status_list=(), now=None, birth_date=None, **_options):
        moment = _moment(now, "--now") if now else None
        born = _day(birth_date, "--birth-date") if birth_date else None
        if keys_file:
            keyring = self._keyring_from_file(keys_file)
        elif status_list:
            from kompeten.certificates import keystore

            keyring = keystore.keyring()
        else:
            keyring = None
        if keyring is None:
            from kompeten.certificates import verification
            from kompeten.certificates.services import find

            answer = verification.verify_qr(text, today=moment.date() if moment else None)
            if born is not None and answer.get("certificate"):
                cert = find(answer["certificate"]["number"])
                answer["certificate"]["birth_date_matches"] = bool(cert and cert.holder_birth_date == born)
        else:
            lists = [StatusListFile(path, _read_json(path, _("status list")), keyring) for path in status_list]
            answer = verify_offline(text, keyring, lists, int(moment.timestamp()) if moment else int(time.time()),
                                    born)
        self.json_out(answer)
        if answer["status"] != "valid":
            raise CommandError(_("The certificate is not valid: %(status)s.") % {"status": answer["status"]},
                               returncode=NOT_VALID)

    def _keyring_from_file(self, path: str) -> keys.Keyring:
        data = _read_json(path, _("keys"))
        if isinstance(data, dict) and isinstance(data.get("keys"), list):  # certificate keys only, as keystore does
            data = {**data, "keys": [entry for entry in data["keys"]
                                     if not (isinstance(entry, dict) and "use" in entry)]}
        try:
            return keys.Keyring.from_jwks(data)
        except keys.KeyringError as exc:
            raise bad_input(_("The keys file %(path)s is not a valid JWK set: %(reason)s")
                            % {"path": path, "reason": exc}) from None

    def do_pdf(self, *, certificate, out, **_options):
        from kompeten.certificates import pdf

        cert = self.certificate(certificate)
        data = pdf.render(cert)
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise bad_input(_("Cannot write %(path)s: %(reason)s") % {"path": out, "reason": exc.strerror or exc}) \
                from None
        self.out(_("%(number)s written to %(path)s (%(size)s bytes).")
                 % {"number": cert.number, "path": out, "size": len(data)})

    def do_openbadge(self, *, certificate, **_options):
        cert = self.certificate(certificate)
        try:
            from kompeten.certificates.badges import openbadge_for
        except ImportError:
            raise CommandError(_("Open Badges are not available in this installation.")) from None
        try:
            self.json_out(openbadge_for(cert))
        except DomainError as exc:
            raise bad_input(exc.message) from None

    def do_issue(self, *, batch=None, event=None, sync=False, **_options):
        from kompeten.assessment.models import AssessmentEvent
        from kompeten.certificates import jobs
        from kompeten.programmes.models import Batch

        if batch is not None:
            found = Batch.objects.filter(pk=batch).first()
            if found is None:
                raise bad_input(_("There is no batch %(id)s (--batch).") % {"id": batch})
            job = jobs.start(batch=found, by=None)
        else:
            found = AssessmentEvent.objects.filter(pk=event).first()
            if found is None:
                raise bad_input(_("There is no assessment event %(id)s (--event).") % {"id": event})
            job = jobs.start(event=found, by=None)
        if sync:
            try:
                jobs.run(job.pk)
            except DomainError as exc:
                raise bad_input(exc.message) from None
        job.refresh_from_db()
        self.out(_("Issuance job %(id)s: %(status)s, %(done)s of %(total)s issued.")
                 % {"id": job.pk, "status": job.get_status_display(), "done": job.done, "total": job.total})
        if job.status == "failed":
            raise CommandError(_("Issuance job %(id)s failed: %(error)s") % {"id": job.pk, "error": job.error})

    def do_remind(self, today=None, **_options):
        from kompeten.certificates.reminders import send_expiry_reminders

        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                raise bad_input(_("--today: %(value)r is not a date (YYYY-MM-DD).") % {"value": today}) from None
        sent = send_expiry_reminders(today=day)
        self.out(_("Reminders sent: %(count)s.") % {"count": sent})

    def do_resume(self, **_options):
        from kompeten.certificates import jobs

        resumed = jobs.resume(by=None)
        if not resumed:
            self.out(_("No unfinished issuance jobs."))
            return
        self.out(_("Resumed %(count)s issuance jobs: %(ids)s.")
                 % {"count": len(resumed), "ids": ", ".join(str(job.pk) for job in resumed)})

    def _change(self, certificate: str, reason: str, change) -> None:
        cert = self.certificate(certificate)
        try:
            cert = change(cert, reason=reason, by=None)
        except DomainError as exc:
            raise bad_input(f"{cert.number}: {exc.message}") from None
        self.out(_("%(number)s is now %(status)s.") % {"number": cert.number, "status": cert.get_status_display()})

    def do_revoke(self, *, certificate, reason, **_options):
        from kompeten.certificates import services

        self._change(certificate, reason, services.revoke)

    def do_suspend(self, *, certificate, reason, **_options):
        from kompeten.certificates import services

        self._change(certificate, reason, services.suspend)

    def do_rotate_key(self, *, issuer, **_options):
        from kompeten.certificates import keystore

        found = self.issuer(issuer)
        key = keystore.rotate(found, by=None)
        self.out(_("New signing key of %(issuer)s: %(kid)s (the old one is retired and still verifies what it "
                   "signed).") % {"issuer": found.code, "kid": key.kid})

    def do_compromise_key(self, *, kid, since, **_options):
        from django.utils import timezone

        from kompeten.certificates import keystore
        from kompeten.certificates.models import LedgerEntry, SigningKey

        key = SigningKey.objects.filter(kid=kid).first()
        if key is None:
            raise bad_input(_("There is no signing key with the kid %(kid)r.") % {"kid": kid})
        try:
            moment = datetime.datetime.fromisoformat(since)
        except ValueError:
            raise bad_input(_("--since: %(value)r is not a moment (ISO 8601).") % {"value": since}) from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        keystore.mark_compromised(key, since=moment, by=None)
        # Signed at or after the moment (the ledger holds the real signing time): these no longer verify.
        affected = (LedgerEntry.objects.filter(action="issue", certificate__key=key, at__gte=moment)
                    .values_list("certificate__number", flat=True).order_by("seq"))
        self.json_out({"kid": key.kid, "since": moment.isoformat(), "reissue": list(affected)})

    def do_keys(self, *, out=None, **_options):
        from kompeten.certificates import keystore

        text = json.dumps(keystore.jwks(), indent=2)
        if not out:
            self.out(text)
            return
        try:
            Path(out).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise bad_input(_("Cannot write %(path)s: %(reason)s") % {"path": out, "reason": exc.strerror or exc}) \
                from None
        self.out(_("Public keys written to %(path)s.") % {"path": out})

    def do_ledger(self, *, ledger_action, day=None, **_options):
        from kompeten.certificates import ledger

        if ledger_action == "verify":
            report = ledger.verify_chain()
            self.json_out({"ok": report.ok, "entries": report.entries, "heads": report.heads,
                           "first_break": report.first_break, "bad_heads": report.bad_heads})
            if not report.ok:
                raise CommandError(_("The ledger does not verify."), returncode=NOT_VALID)
            return
        head = ledger.sign_head(_day(day, "--day") if day else None)
        if head is None:
            self.out(_("The ledger has no entries up to that day; nothing to sign."))
            return
        self.json_out({"day": head.day.isoformat(), "seq": head.seq, "hash": head.hash, "kid": head.kid,
                       "signature": head.signature})
