-- 0001 messages: the table Kenny shares with its other platforms.
--
-- Kenny's `messages` table may already exist with rows of other platforms. This migration
-- never drops or rewrites data: it creates the table when missing, adds every column kenny-wa
-- needs when missing (nullable when the column has no default, so existing rows stay valid),
-- and creates the unique key and index only when no equivalent one exists.

CREATE TABLE IF NOT EXISTS messages (
    id bigserial PRIMARY KEY,
    platform text NOT NULL,
    external_id text NOT NULL,
    thread_external_id text NOT NULL,
    sender_id text,
    recipient_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
    content_snippet text,
    ts timestamptz NOT NULL,
    is_outgoing boolean NOT NULL,
    source_app text NOT NULL,
    is_agent_channel boolean NOT NULL DEFAULT false,
    exclude_from_automation boolean NOT NULL DEFAULT false,
    has_attachments boolean NOT NULL DEFAULT false,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE messages ADD COLUMN IF NOT EXISTS id bigserial;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS platform text;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS external_id text;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS thread_external_id text;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS sender_id text;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS recipient_ids jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS content_snippet text;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS ts timestamptz;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS is_outgoing boolean;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS source_app text;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS is_agent_channel boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS exclude_from_automation boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS has_attachments boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS metadata jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE messages ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

-- `attachments.message_id` references messages(id) and upserts infer (platform, external_id):
-- both need a plain (non-partial, non-expression) unique index on exactly those columns.
DO $$
DECLARE
    id_col int2 := (SELECT attnum FROM pg_attribute
                    WHERE attrelid = 'messages'::regclass AND attname = 'id');
    platform_col int2 := (SELECT attnum FROM pg_attribute
                          WHERE attrelid = 'messages'::regclass AND attname = 'platform');
    external_id_col int2 := (SELECT attnum FROM pg_attribute
                             WHERE attrelid = 'messages'::regclass AND attname = 'external_id');
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = 'messages'::regclass AND i.indisunique AND i.indpred IS NULL
          AND i.indexprs IS NULL AND i.indnatts = 1 AND i.indkey[0] = id_col
    ) THEN
        CREATE UNIQUE INDEX messages_id_key ON messages (id);
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = 'messages'::regclass AND i.indisunique AND i.indpred IS NULL
          AND i.indexprs IS NULL AND i.indnatts = 2
          AND i.indkey[0] IN (platform_col, external_id_col)
          AND i.indkey[1] IN (platform_col, external_id_col)
          AND i.indkey[0] <> i.indkey[1]
    ) THEN
        CREATE UNIQUE INDEX messages_platform_external_id_key ON messages (platform, external_id);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS messages_thread_external_id_ts_idx ON messages (thread_external_id, ts);
