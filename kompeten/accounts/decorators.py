"""View decorators for roles. A user without the role gets 404, the same answer as a missing object."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.roles & set(roles):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


operator_or_admin_required = role_required("province_admin", "centre_operator")
province_admin_required = role_required("province_admin")
job_seeker_required = role_required("job_seeker")
