"""page_validator: the validators (ETag, Last-Modified) of each listing's last full page
reading, for conditional requests and sitemap `lastmod` (issue 17).

Revision ID: 0006_page_validators
Revises: 0006_web_indexes
"""
import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = '0006_page_validators'
down_revision = '0006_web_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'page_validator',
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('crawl_run_id', sa.Integer(), nullable=False),
        sa.Column('read_at', UTCDateTime(), nullable=False),
        sa.Column('etag', sa.String(length=500), nullable=True),
        sa.Column('last_modified', sa.String(length=100), nullable=True),
        sa.Column('confirmed_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['crawl_run_id'], ['crawl_run.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('listing_id'),
    )


def downgrade() -> None:
    op.drop_table('page_validator')
