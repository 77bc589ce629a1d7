"""PostgreSQL's own tools: pg_dump and pg_restore."""
