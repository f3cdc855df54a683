"""The staff service alone: slowdown, lock and its end, session expiry, audit entries."""

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.domain import StaffRole
from bot.services.staff import (
    LOCK_TIME,
    LOCKED,
    MAX_FAILURES,
    SESSION_IDLE,
    SESSION_MAX,
    WRONG,
    StaffError,
    StaffService,
)

PASSWORD = "a long enough password"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(database: DatabaseEngine, clock: Clock) -> StaffService:
    service = StaffService(
        database, clock=clock, hasher=PasswordHasher(time_cost=1, memory_cost=8192)
    )
    service.add_account(" Agent@DGES.example ", StaffRole.AGENT, PASSWORD)
    return service


def test_the_password_is_stored_hashed_with_argon2(service: StaffService) -> None:
    [account] = service.list_accounts()
    assert account.email == "agent@dges.example"
    with pytest.raises(StaffError):
        service.add_account("agent@dges.example", StaffRole.ADMIN, PASSWORD)


def test_each_failure_slows_down_then_the_account_locks_for_a_while(
    service: StaffService, clock: Clock
) -> None:
    delays = [service.login("agent@dges.example", "wrong").delay for _ in range(MAX_FAILURES - 1)]
    assert delays == sorted(delays) and delays[-1] > delays[0]
    last = service.login("agent@dges.example", "wrong")
    assert last.refusal == WRONG
    assert service.login("agent@dges.example", PASSWORD).refusal == LOCKED
    clock.now += LOCK_TIME + timedelta(seconds=1)
    assert service.login("agent@dges.example", PASSWORD).token is not None


def test_sessions_end_when_idle_and_after_a_day_s_work(service: StaffService, clock: Clock) -> None:
    token = service.login("AGENT@dges.example", PASSWORD).token
    assert service.identify(token) is not None
    clock.now += SESSION_IDLE - timedelta(minutes=5)
    assert service.identify(token) is not None  # still used: extended
    clock.now += SESSION_IDLE - timedelta(minutes=5)
    assert service.identify(token) is not None
    clock.now += SESSION_IDLE + timedelta(minutes=1)
    assert service.identify(token) is None
    fresh = service.login("agent@dges.example", PASSWORD).token
    start = clock.now
    while clock.now < start + SESSION_MAX - timedelta(minutes=30):
        clock.now += timedelta(minutes=30)
        assert service.identify(fresh) is not None
    clock.now = start + SESSION_MAX + timedelta(seconds=1)
    assert service.identify(fresh) is None
    assert service.identify("forged") is None and service.identify(None) is None


def test_every_account_action_is_audited(service: StaffService) -> None:
    result = service.login("agent@dges.example", PASSWORD)
    service.logout(result.token, result.identity)
    service.disable_account("agent@dges.example")
    actions = [entry.action for entry in service.audit_entries()]
    assert actions == ["staff.disable", "staff.logout", "staff.login", "staff.add"]
