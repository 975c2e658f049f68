"""alerts that matter: acknowledge/snooze, held-back alerts, instalments as a term

- `alert_action`: acknowledgements and snoozes per alert, product or competitor;
- `alert`: listing_id, acknowledged_at/by, held_reason (stored but not sent, and why);
- `observation.instalments`: the instalment plan offered, a term of the offer (it was
  stored as a promotion whose amount followed the price).

Revision ID: 0005_alerts
Revises: 0005_money
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0005_alerts'
down_revision = '0005_money'  # chained after issue 15's migration (merged into this branch)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alert_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('product_id', sa.Integer(), nullable=True),
        sa.Column('competitor_id', sa.Integer(), nullable=True),
        sa.Column('listing_id', sa.Integer(), nullable=True),
        sa.Column('until', storage.types.UTCDateTime(), nullable=True),
        sa.Column('actor', sa.String(length=200), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('cancelled_at', storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['competitor_id'], ['competitor.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_alert_action_active', 'alert_action', ['action', 'until'])
    op.add_column('alert', sa.Column('listing_id', sa.Integer(), nullable=True))
    op.add_column('alert', sa.Column('acknowledged_at', storage.types.UTCDateTime(), nullable=True))
    op.add_column('alert', sa.Column('acknowledged_by', sa.String(length=200), nullable=True))
    op.add_column('alert', sa.Column('held_reason', sa.Text(), nullable=True))
    op.add_column('observation', sa.Column('instalments', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('observation') as batch:
        batch.drop_column('instalments')
    with op.batch_alter_table('alert') as batch:
        batch.drop_column('held_reason')
        batch.drop_column('acknowledged_by')
        batch.drop_column('acknowledged_at')
        batch.drop_column('listing_id')
    op.drop_index('ix_alert_action_active', table_name='alert_action')
    op.drop_table('alert_action')
