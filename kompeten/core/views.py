from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kompeten.accounts.models import Role
from kompeten.programmes.models import TrainingCentre
from kompeten.registry.models import Person


@require_GET
def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html")
    if not user.is_staff_member and user.has_role(Role.JOB_SEEKER):
        return redirect("registry:my_profile")
    centres = (
        TrainingCentre.objects.visible_to(user)
        .annotate(
            persons=Count("registered_persons", distinct=True),
            never_trained=Count(
                "registered_persons",
                distinct=True, filter=Q(registered_persons__declared_prior_training=False,
                         registered_persons__prior_trainings__isnull=True),
            ),
        )
        .order_by("name")
    )
    persons = Person.objects.visible_to(user)
    context = {
        "centres": centres,
        "person_count": persons.count(),
        "to_confirm": persons.exclude(nik_warnings=[]).filter(nik_confirmed_at__isnull=True).count(),
    }
    return render(request, "core/home.html", context)


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None):
    return render(request, "404.html", status=404)
