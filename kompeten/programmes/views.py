from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kompeten.accounts.decorators import operator_or_admin_required
from kompeten.programmes.models import TrainingCentre


def get_centre_for_user(user, pk) -> TrainingCentre:
    try:
        return TrainingCentre.objects.visible_to(user).select_related("region").get(pk=pk)
    except (TrainingCentre.DoesNotExist, ValueError):
        raise Http404 from None


@require_GET
@operator_or_admin_required
def centre_list(request):
    centres = TrainingCentre.objects.visible_to(request.user).annotate(
        persons=Count("registered_persons", distinct=True), vocation_count=Count("vocations", distinct=True)
    )
    return render(request, "programmes/centre_list.html", {"centres": centres})


@require_GET
@operator_or_admin_required
def centre_detail(request, pk):
    centre = get_centre_for_user(request.user, pk)
    vocations = centre.vocations.select_related("sector").order_by("sector__order", "name")
    return render(request, "programmes/centre_detail.html", {"centre": centre, "vocations": vocations})
