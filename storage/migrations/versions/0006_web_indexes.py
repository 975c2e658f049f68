"""Indexes for the web app's reads on a big history

- finding (compare_run_id, product_id, impact) replaces (compare_run_id, product_id): a
  product page asks for one product's findings of a run by impact; with only the two
  columns SQLite walked the run's whole impact index instead (20,000 rows a night at
  10,000 products).
- finding (compare_run_id, competitor_id, kind): the findings page filtered by competitor
  (and kind) reads that competitor's findings, not the run's.
- finding (compare_run_id, kind) dropped: (compare_run_id, kind, product_id) starts with the
  same columns and serves every look-up it did, and each index costs the comparison's bulk
  insert of its findings (a million-listing run writes ~300,000).

Revision ID: 0006_web_indexes
Revises: 0005_web_users
"""
from alembic import op

revision = "0006_web_indexes"
down_revision = "0005_web_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_finding_run_product_impact", "finding",
                    ["compare_run_id", "product_id", "impact"])
    op.drop_index("ix_finding_run_product", table_name="finding")
    op.create_index("ix_finding_run_competitor_kind", "finding",
                    ["compare_run_id", "competitor_id", "kind"])
    op.drop_index("ix_finding_run_kind", table_name="finding")


def downgrade() -> None:
    op.create_index("ix_finding_run_kind", "finding", ["compare_run_id", "kind"])
    op.drop_index("ix_finding_run_competitor_kind", table_name="finding")
    op.create_index("ix_finding_run_product", "finding", ["compare_run_id", "product_id"])
    op.drop_index("ix_finding_run_product_impact", table_name="finding")
