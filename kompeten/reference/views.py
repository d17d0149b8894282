from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kompeten.reference.models import Region


@require_GET
def villages(request):
    """The villages of one district, as <option>s for the address form (public: reference data)."""
    district = request.GET.get("district", "")
    options = Region.objects.filter(parent_id=district, level=Region.Level.VILLAGE).order_by("name")
    return render(request, "reference/_village_options.html", {"villages": options})


@require_GET
@login_required
def region_list(request):
    regencies = Region.objects.filter(parent_id="64").order_by("code")
    return render(request, "reference/region_list.html", {"regencies": regencies})
