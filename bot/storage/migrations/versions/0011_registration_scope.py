"""registration scope

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # Where a country sets the founders by the organisation's reach (Algeria: communal,
    # wilaya, inter-wilaya, national), the reach the count was checked against.
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'scope',
                sa.Enum(
                    'communal', 'wilaya', 'inter_wilaya', 'national',
                    name='scope', native_enum=False, length=32,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('scope')
