"""Money across currencies: the second amount a page shows, and prices converted on reading

`observation.secondary_price` / `secondary_currency`: the other amount of a dual display
("459,00 € (897,73 лв.)" stores 459.00 EUR as the price and 897.73 BGN here), or the amount
as shown when the price was converted. `observation.converted_from`: the currency the
page showed when the stored price was converted into the shop's currency (a leva-only page
after the euro changeover), NULL when the price is stored as shown.

Revision ID: 0005_money
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005_money"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN (SQLite >= 3.35 has both): a batch "move and copy" of `observation`
# would drop the triggers that keep latest_observation current (0002, 0003).
COLUMNS = ("secondary_price", "secondary_currency", "converted_from")


def upgrade() -> None:
    op.add_column("observation", sa.Column(
        "secondary_price", storage.types.Exact(precision=18, scale=4), nullable=True))
    op.add_column("observation", sa.Column(
        "secondary_currency", storage.types.Currency(length=3), nullable=True))
    op.add_column("observation", sa.Column(
        "converted_from", storage.types.Currency(length=3), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE observation DROP COLUMN {name}")
