"""outbox sending_at, unsure rows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import bot.storage.types  # noqa: F401  (custom column types used below)
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The reason the dispatcher used to give the rows it found cut off mid-send.
INTERRUPTED = "interrupted while sending: not sent again to avoid a duplicate"


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('outboxitem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True))
    # Rows cut off mid-send were "failed"; they are "unsure", which staff may choose to resend.
    outbox = sa.table('outboxitem', sa.column('status', sa.String), sa.column('error', sa.String))
    op.execute(
        outbox.update()
        .where(outbox.c.status == 'failed', outbox.c.error == INTERRUPTED)
        .values(status='unsure')
    )


def downgrade() -> None:
    """Revert this migration."""
    outbox = sa.table('outboxitem', sa.column('status', sa.String))
    op.execute(outbox.update().where(outbox.c.status == 'unsure').values(status='failed'))
    with op.batch_alter_table('outboxitem', schema=None) as batch_op:
        batch_op.drop_column('sending_at')
