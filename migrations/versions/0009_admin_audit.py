"""The admin audit trail: rows the application may add and read, never
change nor delete.

On PostgreSQL the table's UPDATE, DELETE and TRUNCATE rights are taken from
every role but its owner, in particular from the application's role, which
docs/db-roles.sql grants them on every table by default.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Whoever holds UPDATE, DELETE or TRUNCATE on the table but owns it loses them.
_APPEND_ONLY = """
DO $$
DECLARE grantee text;
BEGIN
  FOR grantee IN
    SELECT DISTINCT a.grantee::regrole::text
    FROM pg_class c, aclexplode(c.relacl) a
    WHERE c.oid = 'admin_audit'::regclass
      AND a.grantee <> c.relowner AND a.grantee <> 0
      AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
  LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON admin_audit FROM %s', grantee);
  END LOOP;
  REVOKE UPDATE, DELETE, TRUNCATE ON admin_audit FROM PUBLIC;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "admin_audit",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("actor_id", GUID(length=16), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit")),
    )
    op.create_index("ix_admin_audit_at", "admin_audit", ["at", "id"])
    op.create_index("ix_admin_audit_actor", "admin_audit", ["actor_id", "at"])
    op.create_index("ix_admin_audit_object", "admin_audit", ["object_type", "object_id", "at"])
    op.create_index("ix_admin_audit_action", "admin_audit", ["action", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY)


def downgrade() -> None:
    op.drop_index("ix_admin_audit_action", table_name="admin_audit")
    op.drop_index("ix_admin_audit_object", table_name="admin_audit")
    op.drop_index("ix_admin_audit_actor", table_name="admin_audit")
    op.drop_index("ix_admin_audit_at", table_name="admin_audit")
    op.drop_table("admin_audit")
