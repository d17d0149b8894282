"""The demo's clock: ``kompeten demo`` serves the 2025 programme year as it stood on DEMO_TODAY, so its processes
(the server and the background worker) run with their clock set to that day, ticking from there.

``KOMPETEN_CLOCK`` (an ISO 8601 date-time with its offset) sets a process's clock when Django starts (CoreConfig.ready).
It is meant for the demo and its end-to-end tests only: a production deployment never sets it, and the deployment
check (``kompeten check --deploy``) warns with kompeten.W001 when it is set.
"""

import datetime
import os

ENV = "KOMPETEN_CLOCK"

_traveller = None


def parse(value: str) -> datetime.datetime:
    """An aware date-time from the setting; ValueError saying what is wrong otherwise."""
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{ENV}={value!r} has no UTC offset (e.g. 2025-11-17T09:00:00+08:00)")
    return moment


def travel_to(moment: datetime.datetime) -> None:
    """Set this process's clock to ``moment``, ticking from there (time-machine: time.time, datetime.now …)."""
    global _traveller
    import time_machine

    if _traveller is not None:
        _traveller.stop()
    _traveller = time_machine.travel(moment, tick=True)
    _traveller.start()


def start_from_env() -> datetime.datetime | None:
    """Travel when KOMPETEN_CLOCK is set (called once when Django starts); the moment travelled to, else None."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    moment = parse(value)
    travel_to(moment)
    return moment


def stop() -> None:
    """Back to the real clock."""
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def travelled() -> bool:
    return _traveller is not None
