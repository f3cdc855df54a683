"""contact imports followed from any process

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import bot.storage.types  # noqa: F401  (custom column types used below)
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # The console's imports were followed in the memory of the process running them.
    op.create_table('contactimport',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('refused', sa.JSON(), nullable=False),
    sa.Column('refused_more', sa.Integer(), nullable=False),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('started_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['staffaccount.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contactimport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contactimport_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactimport_started_at'), ['started_at'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('contactimport', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contactimport_started_at'))
        batch_op.drop_index(batch_op.f('ix_contactimport_owner_id'))
    op.drop_table('contactimport')
