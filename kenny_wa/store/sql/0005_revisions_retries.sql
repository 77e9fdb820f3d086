-- 0005 no loss: cursor read times, the revision sweep, edited texts, attachment retries.
--
-- chat_cursors.read_at: when the chat's latest read began (the sync's clock). The chat list
-- shows times to the minute, so a cursor's minute counts as fully read only by a read that
-- began after that minute was over.
-- sync_state.last_sweep_at: when the last revision sweep (rereading the recent window of
-- active chats for edits, deletions for everyone and reactions) finished.
-- message_revisions: the earlier texts of an edited message, oldest first. A message deleted
-- for everyone loses its text here too (its sender withdrew it).
-- attachments.tries: how many reads failed to store an image for a reason worth retrying;
-- after a bounded number of tries the image is no longer retried on its own.
-- sync_runs.revised: rows whose text, edited/deleted flags or reactions changed in the run.

ALTER TABLE chat_cursors ADD COLUMN IF NOT EXISTS read_at timestamptz;
ALTER TABLE sync_state ADD COLUMN IF NOT EXISTS last_sweep_at timestamptz;
ALTER TABLE attachments ADD COLUMN IF NOT EXISTS tries integer NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS revised integer NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS message_revisions (
    id bigserial PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    content_snippet text,
    replaced_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS message_revisions_message_id_idx ON message_revisions (message_id);
CREATE INDEX IF NOT EXISTS attachments_failed_idx ON attachments (message_id) WHERE status = 'failed';
