"""Staff accounts, console sign-in and the audit log: one implementation for the CLI and the web.

Passwords are hashed with argon2id. Each failed sign-in makes the next answer slower, and
after `MAX_FAILURES` in a row the account is locked for `LOCK_TIME`. A session is a random
token: the browser keeps it (signed), the database keeps only its SHA-256, with the CSRF token
its forms must carry and the time it ends.
"""

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session, col, select

from bot.core.i18n import N_
from bot.domain import StaffRole
from bot.errors import ExplainedError
from bot.storage.database import new_session
from bot.storage.models import AuditEntry, StaffAccount, StaffSession
from bot.storage.types import clip, utcnow

log = logging.getLogger(__name__)

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
# The slowdown doubles with each failure in a row, up to this many seconds.
MAX_DELAY = 4.0
SESSION_IDLE = timedelta(hours=2)
SESSION_MAX = timedelta(hours=12)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class StaffError(ExplainedError, ValueError):
    """A staff account request that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class StaffView:
    """What the console and `relais staff list` show of an account."""

    id: int
    email: str
    role: StaffRole
    disabled: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    """The member of staff behind a valid session, and the CSRF token of that session."""

    account_id: int
    email: str
    role: StaffRole
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        """Tell whether the account may also manage campaigns, events, imports and accounts."""
        return self.role is StaffRole.ADMIN


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What a sign-in attempt gave: a session token, or a reason and how long to stall."""

    token: str | None
    identity: StaffIdentity | None
    refusal: str | None = None
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class AuditView:
    """One line of the audit log."""

    id: int
    created_at: datetime
    actor: str
    action: str
    record_type: str | None
    record_id: str | None
    detail: str | None


# Refusal reasons; the page shows one message for all but the lock, so nothing tells an
# attacker whether an address has an account.
WRONG = "wrong"
LOCKED = "locked"
DISABLED = "disabled"


def normalise_email(email: str) -> str:
    """Return an address as accounts are keyed: trimmed, lower case."""
    return email.strip().casefold()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffService:
    """Accounts, sessions and the audit log over one database."""

    def __init__(
        self,
        database: DatabaseEngine,
        *,
        clock: Callable[[], datetime] = utcnow,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    # -- accounts

    def add_account(
        self, email: str, role: StaffRole, password: str, *, actor: StaffIdentity | None = None
    ) -> StaffView:
        """Create an account; refuse a bad address, a short password or an existing account."""
        address = normalise_email(email)
        if len(address) > 254 or not EMAIL.fullmatch(address):
            raise StaffError(N_("« {email} » n'est pas une adresse e-mail"), email=email)
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise StaffError(
                N_("le mot de passe doit avoir de {least} à {most} caractères"),
                least=MIN_PASSWORD,
                most=MAX_PASSWORD,
            )
        with new_session(self._database) as session:
            if _account(session, address) is not None:
                raise StaffError(N_("un compte {email} existe déjà"), email=address)
            account = StaffAccount(
                email=address,
                role=role,
                password_hash=self._hasher.hash(password),
                created_at=self._clock(),
            )
            session.add(account)
            session.flush()
            self._audit(session, actor, "staff.add", "staff", address, role.value)
            session.commit()
            return _view(account)

    def list_accounts(self) -> list[StaffView]:
        """Return every account, by address."""
        with new_session(self._database) as session:
            accounts = session.exec(select(StaffAccount).order_by(col(StaffAccount.email))).all()
            return [_view(account) for account in accounts]

    def disable_account(self, email: str, *, actor: StaffIdentity | None = None) -> StaffView:
        """Disable an account and end its sessions at once."""
        address = normalise_email(email)
        with new_session(self._database) as session:
            account = _account(session, address)
            if account is None:
                raise StaffError(N_("pas de compte {email}"), email=address)
            if account.disabled_at is None:
                account.disabled_at = self._clock()
                session.add(account)
            session.execute(
                sa.delete(StaffSession).where(col(StaffSession.account_id) == account.id)
            )
            self._audit(session, actor, "staff.disable", "staff", address, None)
            session.commit()
            return _view(account)

    # -- sign-in and sessions

    def login(self, email: str, password: str) -> LoginResult:
        """Check a password; on success open a session, else count the failure."""
        address = normalise_email(email)[:254]
        now = self._clock()
        with new_session(self._database) as session:
            account = _account(session, address)
            if account is None:
                self._verify(self._dummy_hash(), password)
                log.info("console sign-in refused: unknown address")
                return LoginResult(None, None, WRONG, delay=1.0)
            if account.locked_until is not None and account.locked_until > now:
                log.info("console sign-in refused: account %s is locked", account.id)
                return LoginResult(None, None, LOCKED, delay=MAX_DELAY)
            verified = self._verify(account.password_hash, password)
            if verified and account.disabled_at is not None:
                log.info("console sign-in refused: account %s is disabled", account.id)
                return LoginResult(None, None, DISABLED, delay=1.0)
            if not verified:
                account.failed_logins += 1
                if account.failed_logins >= MAX_FAILURES:
                    account.locked_until = now + LOCK_TIME
                    account.failed_logins = 0
                    self._audit(session, None, "staff.locked", "staff", address, None)
                session.add(account)
                session.commit()
                log.info("console sign-in refused for account %s", account.id)
                delay = min(MAX_DELAY, 0.25 * 2 ** max(account.failed_logins - 1, 0))
                return LoginResult(None, None, WRONG, delay=delay)
            if self._hasher.check_needs_rehash(account.password_hash):
                account.password_hash = self._hasher.hash(password)
            account.failed_logins = 0
            account.locked_until = None
            account.last_login_at = now
            session.add(account)
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            session.add(
                StaffSession(
                    token_hash=_token_hash(token),
                    account_id=account.id or 0,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + SESSION_IDLE,
                )
            )
            identity = StaffIdentity(account.id or 0, account.email, account.role, csrf)
            self._audit(session, identity, "staff.login", "staff", address, None)
            session.commit()
            return LoginResult(token, identity)

    def identify(self, token: str | None) -> StaffIdentity | None:
        """Return who a session token belongs to while it is valid; extend its idle time."""
        if not token:
            return None
        now = self._clock()
        with new_session(self._database) as session:
            row = session.exec(
                select(StaffSession, StaffAccount)
                .join(StaffAccount, col(StaffAccount.id) == col(StaffSession.account_id))
                .where(StaffSession.token_hash == _token_hash(token))
            ).first()
            if row is None:
                return None
            staff_session, account = row
            if staff_session.expires_at <= now or account.disabled_at is not None:
                session.delete(staff_session)
                session.commit()
                return None
            # Extended at most once a minute: most requests write nothing.
            renewed = min(now + SESSION_IDLE, staff_session.created_at + SESSION_MAX)
            if renewed - staff_session.expires_at > timedelta(minutes=1):
                staff_session.expires_at = renewed
                session.add(staff_session)
                session.commit()
            return StaffIdentity(
                account.id or 0, account.email, account.role, staff_session.csrf_token
            )

    def logout(self, token: str | None, identity: StaffIdentity | None = None) -> None:
        """End a session."""
        if not token:
            return
        with new_session(self._database) as session:
            session.execute(
                sa.delete(StaffSession).where(col(StaffSession.token_hash) == _token_hash(token))
            )
            if identity is not None:
                self._audit(session, identity, "staff.logout", "staff", identity.email, None)
            session.commit()

    def forget_expired_sessions(self) -> int:
        """Drop the sessions that ended."""
        with new_session(self._database) as session:
            result = session.execute(
                sa.delete(StaffSession).where(col(StaffSession.expires_at) <= self._clock())
            )
            session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    # -- audit log

    def record(
        self,
        actor: StaffIdentity | None,
        action: str,
        record_type: str | None = None,
        record_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Write one audit entry in a transaction of its own."""
        with new_session(self._database) as session:
            self._audit(session, actor, action, record_type, record_id, detail)
            session.commit()

    def audit_entries(self, *, limit: int = 100, before: int | None = None) -> list[AuditView]:
        """Return the latest audit entries, newest first (`before` pages back by id)."""
        with new_session(self._database) as session:
            query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
            if before is not None:
                query = query.where(col(AuditEntry.id) < before)
            return [
                AuditView(
                    id=entry.id or 0,
                    created_at=entry.created_at,
                    actor=entry.actor,
                    action=entry.action,
                    record_type=entry.record_type,
                    record_id=entry.record_id,
                    detail=entry.detail,
                )
                for entry in session.exec(query).all()
            ]

    def _audit(
        self,
        session: Session,
        actor: StaffIdentity | None,
        action: str,
        record_type: str | None,
        record_id: str | None,
        detail: str | None,
    ) -> None:
        add_audit_entry(
            session,
            actor=actor,
            action=action,
            record_type=record_type,
            record_id=record_id,
            detail=detail,
            now=self._clock(),
        )

    def _dummy_hash(self) -> str:
        """Return a hash to verify against when the address is unknown: both take as long."""
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password[:MAX_PASSWORD]))
        except (VerificationError, InvalidHashError):
            return False


def add_audit_entry(
    session: Session,
    *,
    actor: StaffIdentity | None,
    action: str,
    record_type: str | None = None,
    record_id: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    """Write an audit entry in the caller's transaction (the command line is `cli`)."""
    session.add(
        AuditEntry(
            account_id=actor.account_id if actor else None,
            actor=actor.email if actor else "cli",
            action=action,
            record_type=record_type,
            record_id=clip(AuditEntry, "record_id", record_id) if record_id else None,
            detail=clip(AuditEntry, "detail", detail) if detail else None,
            created_at=now or utcnow(),
        )
    )


def _account(session: Session, email: str) -> StaffAccount | None:
    return session.exec(select(StaffAccount).where(StaffAccount.email == email)).first()


def _view(account: StaffAccount) -> StaffView:
    return StaffView(
        id=account.id or 0,
        email=account.email,
        role=account.role,
        disabled=account.disabled_at is not None,
        locked_until=account.locked_until,
        last_login_at=account.last_login_at,
        created_at=account.created_at,
    )
