"""listing.condition: the state a competitor sells the item in

new / refurbished / used / open_box / damaged as the page states it (NULL: not stated).
Matching reads it: a listing that is not new never matches our new products.

Revision ID: 0005_listing_condition
Revises: 0005_money
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_listing_condition'
down_revision = '0005_alerts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('listing', sa.Column('condition', sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column('listing', 'condition')  # SQLite 3.35+ drops a column in place
