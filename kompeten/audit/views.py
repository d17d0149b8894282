from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kompeten.accounts.decorators import province_admin_required
from kompeten.audit.models import AuditEntry
from kompeten.registry.nik import mask_nik


def _masked(changes: dict) -> dict:
    """NIK values stay masked in the log view: reading the log is not a way around the NIK rules."""
    return {
        field: [mask_nik(v) if field == "nik" and v else v for v in values]
        for field, values in changes.items()
    }


@require_GET
@province_admin_required
def entry_list(request):
    entries = AuditEntry.objects.select_related("actor")
    action = request.GET.get("action")
    if action in AuditEntry.Action.values:
        entries = entries.filter(action=action)
    object_type = request.GET.get("type", "").strip()
    if object_type:
        entries = entries.filter(object_type=object_type)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.shown_changes = _masked(entry.changes)
    return render(request, "audit/entry_list.html", {"page": page, "actions": AuditEntry.Action.choices,
                                                     "action": action, "object_type": object_type})
