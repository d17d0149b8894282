from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "kompeten.core"

    def ready(self):
        from kompeten.core import clock

        clock.start_from_env()
        checks.register(check_clock, checks.Tags.security, deploy=True)


def check_clock(app_configs=None, **kwargs):
    """A deployment must run on the real clock (KOMPETEN_CLOCK is for the demo and its end-to-end tests)."""
    from kompeten.core import clock

    if clock.travelled():
        return [checks.Warning("KOMPETEN_CLOCK is set: this process does not run on the real clock.",
                               hint="Unset KOMPETEN_CLOCK; it is meant for `kompeten demo` only.", id="kompeten.W001")]
    return []
