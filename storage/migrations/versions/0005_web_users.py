"""Web app: users, API tokens, sessions and the audit trail of decisions

Revision ID: 0005_web_users
Revises: 0005_alerts (chained after issues 15 and 16, merged into this branch)
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005_web_users"
down_revision = "0005_listing_condition"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "web_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        _when("last_failed_at", nullable=True),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("last_used_at", nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        _when("at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_action_target", "audit_event", ["action", "target"])
    # The web app counts one run's products per finding kind and pages its findings by impact.
    op.create_index("ix_finding_run_kind_product", "finding", ["compare_run_id", "kind", "product_id"])
    op.create_index("ix_finding_run_impact", "finding", ["compare_run_id", "impact"])
    op.create_index("ix_finding_run_product", "finding", ["compare_run_id", "product_id"])
    # The review queue (`pricewatch match review` and the web page) reads unsure automatic matches.
    op.create_index("ix_match_status_confidence", "match", ["status", "confidence"])


def downgrade() -> None:
    op.drop_index("ix_match_status_confidence", table_name="match")
    op.drop_index("ix_finding_run_product", table_name="finding")
    op.drop_index("ix_finding_run_impact", table_name="finding")
    op.drop_index("ix_finding_run_kind_product", table_name="finding")
    op.drop_index("ix_audit_action_target", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_table("web_session")
    op.drop_table("api_token")
    op.drop_table("web_user")
