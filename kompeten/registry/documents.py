"""A job seeker's documents (KTP, ijazah, AK/1 card, photo): uploaded, recognised by their content, kept.

A file is accepted when its first bytes say PDF, JPEG or PNG, whatever its name or the browser's content type
claim, and when it is at most settings.DOCUMENT_MAX_BYTES. Every upload is kept; the latest of each kind is
the person's current document, which the eligibility rules of a training package look for.
"""

import hashlib
import posixpath
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kompeten.audit.models import AuditEntry
from kompeten.audit.services import record
from kompeten.core.errors import DomainError
from kompeten.core.uploads import DOCUMENT_SIGNATURES, FileRejected, check_document
from kompeten.registry.models import DocumentKind, Person, PersonDocument

# (first bytes, content type, file extension)
SIGNATURES = DOCUMENT_SIGNATURES
EXTENSIONS = {content_type: extension for _magic, content_type, extension in SIGNATURES}
# For the file input's accept attribute: phones offer the camera and the gallery for image/*.
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"

MESSAGES = {
    "document_kind_unknown": _("Choose which document this is."),
}


def recognise(uploaded_file) -> str:
    """The content type of an uploaded file, decided by its first bytes (kompeten/core/uploads.py); DomainError
    (document_empty, document_too_big, document_type) when it is none we take."""
    try:
        return check_document(uploaded_file, max_bytes=settings.DOCUMENT_MAX_BYTES)
    except FileRejected as exc:
        raise DomainError(exc.code, exc.message) from None


def _sha256(uploaded_file) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def upload_document(person: Person, kind: str, uploaded_file, *, by, request=None) -> PersonDocument:
    """Store an uploaded document of ``person``; the previous one of the same kind stays as history."""
    if kind not in DocumentKind.values:
        raise DomainError("document_kind_unknown", MESSAGES["document_kind_unknown"])
    content_type = recognise(uploaded_file)
    original_name = posixpath.basename((uploaded_file.name or "").replace("\\", "/"))[:255]
    document = PersonDocument(
        person=person, kind=kind, original_name=original_name or kind, content_type=content_type,
        size=uploaded_file.size, sha256=_sha256(uploaded_file),
        uploaded_by=by if by is not None and by.is_authenticated else None,
    )
    # The name on disk is random and its extension follows the content, not the name the user gave.
    document.file.save(f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}", uploaded_file, save=False)
    document.save()
    record(AuditEntry.Action.CREATE, document, by=by, object_label=f"{person} · {document.get_kind_display()}",
           changes={"kind": [None, kind], "original_name": [None, document.original_name],
                    "content_type": [None, content_type], "size": [None, document.size],
                    "sha256": [None, document.sha256]},
           request=request)
    return document


def current_documents(person: Person) -> dict[str, PersonDocument]:
    """The latest document of each kind (the one that counts)."""
    latest: dict[str, PersonDocument] = {}
    for document in person.documents.order_by("uploaded_at", "id"):
        latest[document.kind] = document
    return latest


def document_kinds(person_ids) -> dict[int, set[str]]:
    """person id -> the kinds of document they have, for many persons in one query (``person_ids`` may be a
    queryset of ids, which stays a subquery)."""
    kinds: dict[int, set[str]] = defaultdict(set)
    rows = PersonDocument.objects.filter(person_id__in=person_ids).values_list("person_id", "kind").distinct()
    for person_id, kind in rows:
        kinds[person_id].add(kind)
    return kinds


def missing_from(kinds, required_kinds) -> list[str]:
    """The required kinds that are not among ``kinds``, in the order they are required."""
    return list(dict.fromkeys(kind for kind in required_kinds or () if kind not in kinds))


def missing_documents(person: Person, required_kinds) -> list[str]:
    """The kinds in ``required_kinds`` of which the person has no document."""
    if not required_kinds:
        return []
    return missing_from(document_kinds([person.pk]).get(person.pk, set()), required_kinds)


def download_name(document: PersonDocument) -> str:
    """The file name of a download: the uploaded name with the extension of what the file really is."""
    stem = posixpath.splitext(document.original_name)[0] or document.kind
    return f"{stem}{EXTENSIONS.get(document.content_type, '')}"


@transaction.atomic
def record_download(document: PersonDocument, *, by, request=None) -> None:
    """Staff looked at a person's document: logged like any export of personal data."""
    record(AuditEntry.Action.EXPORT, document, by=by, note="download",
           object_label=f"{document.person} · {document.get_kind_display()}", request=request)
