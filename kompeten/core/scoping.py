"""The shape every scoped QuerySet shares: ``visible_to(user)``, decided in one place per model."""

from django.db import models


class ScopedQuerySet(models.QuerySet):
    """Nothing for anonymous users, everything for a province admin, otherwise ``scope(user)``:
    each model's QuerySet says in ``scope`` what an operator, a company user or a job seeker may see."""

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_province_admin:
            return self
        return self.scope(user)

    def scope(self, user):  # pragma: no cover - every subclass defines it
        raise NotImplementedError
