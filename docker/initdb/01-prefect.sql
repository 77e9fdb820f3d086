-- Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d).
-- Prefect's own database lives next to kenny-wa's; Prefect's migrations need pg_trgm.
CREATE DATABASE prefect;
\connect prefect
CREATE EXTENSION IF NOT EXISTS pg_trgm;
