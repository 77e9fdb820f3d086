-- 0002 attachments and extractions.
--
-- One attachment row per message (WhatsApp bubbles carry at most one media item). `status` says
-- whether the bytes are on disk ('stored'), deliberately not fetched ('metadata_only') or could
-- not be fetched or validated ('failed'); `reason` says why, as a fixed code. An extraction row
-- is one extractor's result for one attachment, with the message's provenance.

CREATE TABLE IF NOT EXISTS attachments (
    id bigserial PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    source text NOT NULL,
    media_type text,
    file_path text,
    checksum text,
    size_bytes bigint,
    width integer,
    height integer,
    status text NOT NULL,
    reason text,
    extraction_status text NOT NULL DEFAULT 'awaiting',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attachments_message_id_key UNIQUE (message_id),
    CONSTRAINT attachments_status_check
        CHECK (status IN ('stored', 'metadata_only', 'failed')),
    CONSTRAINT attachments_extraction_status_check
        CHECK (extraction_status IN ('awaiting', 'queued', 'done', 'failed', 'not_applicable'))
);

CREATE INDEX IF NOT EXISTS attachments_checksum_idx ON attachments (checksum);
CREATE INDEX IF NOT EXISTS attachments_awaiting_idx ON attachments (id)
    WHERE extraction_status = 'awaiting';

CREATE TABLE IF NOT EXISTS extractions (
    id bigserial PRIMARY KEY,
    attachment_id bigint NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    provenance jsonb NOT NULL,
    status text NOT NULL,
    extractor text NOT NULL,
    extractor_version text,
    result jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT extractions_attachment_id_extractor_key UNIQUE (attachment_id, extractor)
);
