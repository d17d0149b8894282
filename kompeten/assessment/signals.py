"""Signals of the assessment app. ``decision_changed`` is sent inside the transaction of an amendment that changes
a decided result (sender: Assessment; arguments: assessment, old, new, reason, by), so that what was issued on
the old decision follows it: the certificates app revokes a competency certificate whose Kompeten is withdrawn."""

from django.dispatch import Signal

decision_changed = Signal()
