"""whatsapp content: quick replies and list pickers created through the Content API

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import bot.storage.types  # noqa: F401  (custom column types used below)
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('whatsappcontent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sa.Enum('twilio/quick-reply', 'twilio/list-picker', name='whatsappcontentkind', native_enum=False, length=32), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('content_sid', sqlmodel.sql.sqltypes.AutoString(length=34), nullable=True),
    sa.Column('refused', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('content_hash')
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('whatsappcontent')
