"""event series

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # Events that recur (the quarterly meeting in a rotating place) share a series id.
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_series'), ['series'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_series'))
        batch_op.drop_column('series')
