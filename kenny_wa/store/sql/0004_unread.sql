-- 0004 read state: chats left unread on purpose, and chats opened to be marked unread again.
--
-- A badged chat the unread policy `defer` leaves unopened gets `deferred_since` (the first run
-- that left it); /health and /metrics count these and show the oldest's age. A chat about to
-- be opened under `restore` gets `restore_pending_since` BEFORE the click, cleared once
-- "Mark as unread" took: a run killed in between leaves the note, and the next run restores.
-- Chat ids only, never content.

CREATE TABLE IF NOT EXISTS chat_unread (
    source text NOT NULL,
    chat_id text NOT NULL,
    deferred_since timestamptz,
    restore_pending_since timestamptz,
    PRIMARY KEY (source, chat_id)
);

ALTER TABLE sync_runs
    ADD COLUMN IF NOT EXISTS chats_archived integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS deferred_unread integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS unread_restored integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS unread_restore_failed integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS deferred_chats jsonb NOT NULL DEFAULT '[]'::jsonb;
