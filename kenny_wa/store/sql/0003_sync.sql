-- 0003 sync bookkeeping: one state row per source, one cursor per chat, one row per run.
--
-- /health and /metrics are computed from these rows, so they hold counts, ids and fixed
-- codes only, never message content.

CREATE TABLE IF NOT EXISTS sync_state (
    source text PRIMARY KEY,
    last_seen_ts timestamptz,
    last_success_at timestamptz,
    last_run_at timestamptz,
    session_status text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    backoff_until timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS chat_cursors (
    source text NOT NULL,
    chat_id text NOT NULL,
    newest_ts timestamptz,
    newest_external_id text,
    last_activity timestamptz,
    complete boolean,
    partial_reason text,
    last_synced_at timestamptz,
    PRIMARY KEY (source, chat_id)
);

CREATE TABLE IF NOT EXISTS sync_runs (
    id bigserial PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status text NOT NULL DEFAULT 'running',
    error_kind text,
    complete boolean,
    dry_run boolean NOT NULL DEFAULT false,
    profile text,
    chats_total integer NOT NULL DEFAULT 0,
    chats_synced integer NOT NULL DEFAULT 0,
    chats_opened integer NOT NULL DEFAULT 0,
    messages_fetched integer NOT NULL DEFAULT 0,
    inserted integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    upserts integer NOT NULL DEFAULT 0,
    attachments_saved integer NOT NULL DEFAULT 0,
    attachments_failed integer NOT NULL DEFAULT 0,
    extraction_jobs_enqueued integer NOT NULL DEFAULT 0,
    agent_jobs_enqueued integer NOT NULL DEFAULT 0,
    errors integer NOT NULL DEFAULT 0,
    partial_chats jsonb NOT NULL DEFAULT '[]'::jsonb,
    seconds double precision
);

CREATE INDEX IF NOT EXISTS sync_runs_started_at_idx ON sync_runs (started_at);
