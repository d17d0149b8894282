from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kompeten.accounts.models import Role
from kompeten.programmes.models import Batch, ProgrammeYear, TrainingCentre
from kompeten.registry.models import Person
from kompeten.training.models import Enrolment, EnrolmentStatus

ROLE_STARTS = [
    (Role.COMPANY_USER, "apprenticeships:home"),  # offers, apprentices, logbook weeks to confirm
    (Role.LSP_ADMIN, "assessment:event_list"),  # the events to decide
    (Role.ASSESSOR, "assessment:event_list"),  # today's events first
]


@require_GET
def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html")
    if not user.is_staff_member and user.has_role(Role.JOB_SEEKER):
        return redirect("registry:my_profile")
    if not (user.is_province_admin or user.has_role(Role.CENTRE_OPERATOR)):
        # Who works for a company or an LSP starts on their own work, not on the training centres' figures.
        for role, start in ROLE_STARTS:
            if user.has_role(role):
                return redirect(start)
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
    year = ProgrammeYear.objects.order_by("-year").first()
    targets = {}
    if year:
        for target in year.targets.filter(sector__isnull=True, centre__isnull=False):
            targets.setdefault(target.centre_id, {})[target.kind] = target.number
    realised = dict(
        Enrolment.objects.filter(batch__programme_year=year, status=EnrolmentStatus.COMPLETED)
        .values_list("batch__centre").annotate(n=Count("id")).values_list("batch__centre", "n")
    ) if year else {}
    in_training = dict(
        Enrolment.objects.filter(batch__programme_year=year, status=EnrolmentStatus.ENROLLED)
        .values_list("batch__centre").annotate(n=Count("id")).values_list("batch__centre", "n")
    ) if year else {}
    centres = list(centres)
    for centre in centres:
        centre.target_trained = targets.get(centre.pk, {}).get("trained")
        centre.target_certified = targets.get(centre.pk, {}).get("certified")
        centre.trained = realised.get(centre.pk, 0)
        centre.in_training = in_training.get(centre.pk, 0)
        centre.trained_percent = round(100 * centre.trained / centre.target_trained) if centre.target_trained else None
    batches = Batch.objects.visible_to(user).filter(programme_year=year)
    context = {
        "year": year,
        "batch_counts": dict(batches.values_list("status").annotate(n=Count("id")).values_list("status", "n")),
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
