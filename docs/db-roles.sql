-- The database role split: migrations run as the owner, the app as a role
-- that may only read and write rows (DML), never change the schema.
--
-- Run once, as a superuser or the provider's admin role, connected to the
-- application's database, with psql:
--   psql "$ADMIN_URL" -v owner=tailtribe_owner -v owner_password='...' \
--        -v app=tailtribe_app -v app_password='...' -f docs/db-roles.sql
-- Then: DIRECT_URL connects as the owner (migrations, backups), DATABASE_URL
-- as the app role (through PgBouncer or not).
\set ON_ERROR_STOP on

-- The extensions the migrations use: creating one needs more than the owner has.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';

-- Only the owner creates objects in the schema; nobody else by default.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner";
SELECT format('GRANT CONNECT ON DATABASE %I TO %I, %I', current_database(), :'owner', :'app')
\gexec
GRANT USAGE ON SCHEMA public TO :"app";

-- Rows of every table the owner makes, now and in later migrations.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app";
-- Tables made before this script ran (if the owner migrated already).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";

-- The admin audit trail is append-only for the app (docs/audit.md). Migration
-- 0009 takes these rights from it when it makes the table; the grant above
-- gave them back if the table was there before this script ran.
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON admin_audit FROM %I', :'app')
WHERE to_regclass('public.admin_audit') IS NOT NULL
\gexec
