from kompeten.accounts.models import Role


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set(), "Role": Role}
    return {"user_roles": user.roles, "Role": Role}
