"""Log in with an email address or a phone number. A NIK is never a login or a password."""

from django.contrib.auth.backends import ModelBackend

from kompeten.accounts.models import User
from kompeten.registry.phone import PhoneError, normalise_phone


def find_user(login: str) -> User | None:
    login = (login or "").strip()
    if not login:
        return None
    if "@" in login:
        return User.objects.filter(email__iexact=login).first()
    try:
        phone = normalise_phone(login)
    except PhoneError:
        return None
    return User.objects.filter(phone=phone).first()


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_user(username)
        if user is None:
            # Run the hasher anyway so that a missing user takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
