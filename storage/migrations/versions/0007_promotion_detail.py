"""promotion.detail: what sort of multi-buy (or other variant) a promotion is

A multi-buy with a percent `value` is either "the n-th item at -X%" (detail
`nth_item_discount`) or "-X% on every unit when buying N or more" (detail
`quantity_discount`); a `percent_off` read off a struck regular price has detail
`from regular price`. The observation's promotions JSON kept the detail, the typed
`promotion` table did not, so the comparison priced a quantity discount as an n-th item
discount. A nullable column: rows written before it say nothing (NULL), as before.

Revision ID: 0007_promotion_detail
Revises: 0006_latest_terms
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_promotion_detail"
down_revision = "0006_latest_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN of a nullable column: no table rebuild, on SQLite or PostgreSQL
    op.add_column("promotion", sa.Column("detail", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # plain DROP COLUMN (SQLite >= 3.35): no index or trigger names the column
    op.drop_column("promotion", "detail")
