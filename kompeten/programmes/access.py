"""The one place that decides who may see or change batches and packages (views, API, exports)."""

from django.http import Http404

from kompeten.core.access import get_or_404
from kompeten.programmes.models import Batch, TrainingCentre, TrainingPackage


def can_manage_centre(user, centre_id) -> bool:
    return user.is_province_admin or centre_id in user.centre_ids


def get_batch_for_user(user, pk, *, write: bool = False) -> Batch:
    """A batch the user may see (with write=True: manage); 404 otherwise, never 403."""
    batch = get_or_404(Batch.objects.visible_to(user)
                       .select_related("centre", "package__vocation__sector", "programme_year"), pk)
    if write and not can_manage_centre(user, batch.centre_id):
        raise Http404
    return batch


def get_package_for_user(user, pk, *, write: bool = False) -> TrainingPackage:
    package = get_or_404(TrainingPackage.objects.visible_to(user).select_related("centre", "vocation"), pk)
    if write and not can_manage_centre(user, package.centre_id):
        raise Http404
    return package


def get_centre_for_user(user, pk) -> TrainingCentre:
    return get_or_404(TrainingCentre.objects.visible_to(user).select_related("region"), pk)
