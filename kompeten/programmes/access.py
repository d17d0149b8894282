"""The one place that decides who may see or change batches and packages (views, API, exports)."""

from django.http import Http404

from kompeten.programmes.models import Batch, TrainingPackage


def can_manage_centre(user, centre_id) -> bool:
    return user.is_province_admin or centre_id in user.centre_ids


def get_batch_for_user(user, pk, *, write: bool = False) -> Batch:
    """A batch the user may see (with write=True: manage); 404 otherwise, never 403."""
    try:
        batch = (Batch.objects.visible_to(user)
                 .select_related("centre", "package__vocation__sector", "programme_year").get(pk=pk))
    except (Batch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_manage_centre(user, batch.centre_id):
        raise Http404
    return batch


def get_package_for_user(user, pk, *, write: bool = False) -> TrainingPackage:
    try:
        package = TrainingPackage.objects.visible_to(user).select_related("centre", "vocation").get(pk=pk)
    except (TrainingPackage.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_manage_centre(user, package.centre_id):
        raise Http404
    return package
