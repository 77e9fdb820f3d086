-- The named queries of kenny-wa: the only SQL text outside the migrations.
--
-- Format (pinned by tests/unit/test_store_queries.py): each query starts with a line
-- `-- query_name --` (lowercase letters, digits, underscores), followed by one or more
-- `-- description` lines, then the statement. Parameters are `%(name)s`. The loader
-- (kenny_wa/store/queries.py) splits this file once at import into a dict by name.

-- migrations_lock --
-- Serialise concurrent `kenny-wa migrate` runs until the end of the current transaction.
SELECT pg_advisory_xact_lock(hashtextextended('kenny-wa-migrate', 0));

-- migrations_create_table --
-- The bookkeeping table of the migration runner itself.
CREATE TABLE IF NOT EXISTS kenny_wa_migrations (
    version text PRIMARY KEY,
    name text,
    checksum text,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- migrations_applied --
-- Every recorded migration with the checksum of the file that was applied.
SELECT version, name, checksum FROM kenny_wa_migrations ORDER BY version;

-- migrations_record --
-- Record one applied migration.
INSERT INTO kenny_wa_migrations (version, name, checksum)
VALUES (%(version)s, %(name)s, %(checksum)s);

-- message_stage_exists --
-- Whether this session already has the staging table for message upserts.
SELECT to_regclass('pg_temp.kenny_wa_stage_messages') IS NOT NULL AS present;

-- message_stage_create --
-- A session-local staging table, emptied at every commit and reused across batches. JSON
-- arrives as text (binary COPY) and is cast to jsonb by the upsert.
CREATE TEMP TABLE kenny_wa_stage_messages (
    platform text,
    external_id text,
    thread_external_id text,
    sender_id text,
    recipient_ids text,
    content_snippet text,
    ts timestamptz,
    is_outgoing boolean,
    source_app text,
    is_agent_channel boolean,
    exclude_from_automation boolean,
    has_attachments boolean,
    metadata text
) ON COMMIT DELETE ROWS;

-- message_stage_truncate --
-- Empty the staging table (several upserts may share one transaction).
TRUNCATE kenny_wa_stage_messages;

-- message_stage_copy --
-- Binary COPY of the batch (one row per key, already deduplicated) into the staging table.
COPY kenny_wa_stage_messages (
    platform, external_id, thread_external_id, sender_id, recipient_ids, content_snippet, ts,
    is_outgoing, source_app, is_agent_channel, exclude_from_automation, has_attachments,
    metadata
) FROM STDIN (FORMAT BINARY);

-- message_revise --
-- Before the upsert of the staged batch, for the rows already stored: keep the earlier text
-- of every edited message whose text changed, drop the kept texts of every message now
-- deleted for everyone (its sender withdrew it), and count the rows revised (their text,
-- edited/deleted flags or reactions differ from the stored row).
WITH staged AS (
    SELECT m.id, m.content_snippet AS old_text, m.metadata AS old_meta,
        s.content_snippet AS new_text,
        CASE WHEN s.metadata::jsonb @> '{"deleted": true}'
            THEN m.metadata || jsonb_strip_nulls(s.metadata::jsonb)
            ELSE s.metadata::jsonb END AS meta
    FROM kenny_wa_stage_messages AS s
    JOIN messages AS m ON m.platform = s.platform AND m.external_id = s.external_id
), changed AS (
    SELECT id, old_text, new_text, meta FROM staged
    WHERE (old_text, old_meta -> 'edited', old_meta -> 'deleted', old_meta -> 'reactions')
        IS DISTINCT FROM (new_text, meta -> 'edited', meta -> 'deleted', meta -> 'reactions')
), kept AS (
    INSERT INTO message_revisions (message_id, content_snippet)
    SELECT id, old_text FROM changed
    WHERE meta @> '{"edited": true}' AND NOT meta @> '{"deleted": true}'
      AND old_text IS NOT NULL AND old_text IS DISTINCT FROM new_text
), dropped AS (
    DELETE FROM message_revisions AS r USING changed AS c
    WHERE c.meta @> '{"deleted": true}' AND r.message_id = c.id
)
SELECT count(*) AS revised FROM changed;

-- message_upsert --
-- Upsert the staged batch by (platform, external_id). A row is written only when a value
-- differs: the row holds the latest state the page shows. A message deleted for everyone
-- loses its text and merges its metadata into the stored one (structural facts only);
-- has_attachments never goes back to false. Returns the written rows only: external_id, id
-- and `inserted` (true inserted, false updated).
INSERT INTO messages AS m (
    platform, external_id, thread_external_id, sender_id, recipient_ids, content_snippet, ts,
    is_outgoing, source_app, is_agent_channel, exclude_from_automation, has_attachments,
    metadata
)
SELECT platform, external_id, thread_external_id, sender_id, recipient_ids::jsonb,
    content_snippet, ts, is_outgoing, source_app, is_agent_channel, exclude_from_automation,
    has_attachments, metadata::jsonb
FROM kenny_wa_stage_messages
ON CONFLICT (platform, external_id) DO UPDATE SET
    thread_external_id = excluded.thread_external_id,
    sender_id = excluded.sender_id,
    recipient_ids = excluded.recipient_ids,
    content_snippet = excluded.content_snippet,
    ts = excluded.ts,
    is_outgoing = excluded.is_outgoing,
    source_app = excluded.source_app,
    is_agent_channel = excluded.is_agent_channel,
    exclude_from_automation = excluded.exclude_from_automation,
    has_attachments = m.has_attachments OR excluded.has_attachments,
    metadata = CASE
        WHEN excluded.metadata @> '{"deleted": true}'
        THEN m.metadata || jsonb_strip_nulls(excluded.metadata)
        ELSE excluded.metadata END,
    updated_at = now()
WHERE (
    m.thread_external_id, m.sender_id, m.recipient_ids, m.content_snippet, m.ts,
    m.is_outgoing, m.source_app, m.is_agent_channel, m.exclude_from_automation,
    m.has_attachments, m.metadata
) IS DISTINCT FROM (
    excluded.thread_external_id, excluded.sender_id, excluded.recipient_ids,
    excluded.content_snippet, excluded.ts, excluded.is_outgoing, excluded.source_app, excluded.is_agent_channel,
    excluded.exclude_from_automation, m.has_attachments OR excluded.has_attachments,
    CASE
        WHEN excluded.metadata @> '{"deleted": true}'
        THEN m.metadata || jsonb_strip_nulls(excluded.metadata)
        ELSE excluded.metadata END
)
RETURNING m.external_id, m.id, (m.xmax = 0) AS inserted;

-- message_stage_ids --
-- The row id of every staged key (used when some rows were unchanged and so not returned).
SELECT s.external_id, m.id
FROM kenny_wa_stage_messages AS s
JOIN messages AS m ON m.platform = s.platform AND m.external_id = s.external_id;

-- message_set_has_attachments --
-- Flag messages as carrying an attachment; already flagged rows are not rewritten.
UPDATE messages SET has_attachments = true, updated_at = now()
WHERE id = ANY(%(message_ids)s) AND NOT has_attachments;

-- attachment_upsert --
-- Insert or update the attachment of one message. A 'stored' attachment is never downgraded
-- and an unchanged one is not rewritten. Returns (id, changed).
WITH written AS (
    INSERT INTO attachments AS a (
        message_id, source, media_type, file_path, checksum, size_bytes, width, height,
        status, reason, extraction_status
    )
    VALUES (
        %(message_id)s, %(source)s, %(media_type)s, %(file_path)s, %(checksum)s,
        %(size_bytes)s, %(width)s, %(height)s, %(status)s, %(reason)s, %(extraction_status)s
    )
    ON CONFLICT (message_id) DO UPDATE SET
        source = excluded.source,
        media_type = excluded.media_type,
        file_path = excluded.file_path,
        checksum = excluded.checksum,
        size_bytes = excluded.size_bytes,
        width = excluded.width,
        height = excluded.height,
        status = excluded.status,
        reason = excluded.reason,
        extraction_status = CASE
            WHEN excluded.status <> 'stored' THEN 'not_applicable'
            WHEN a.status = 'stored' AND a.checksum IS NOT DISTINCT FROM excluded.checksum
            THEN a.extraction_status
            ELSE 'awaiting' END,
        updated_at = now()
    WHERE NOT (a.status = 'stored' AND excluded.status <> 'stored')
      AND (
        a.source, a.media_type, a.file_path, a.checksum, a.size_bytes, a.width, a.height,
        a.status, a.reason
      ) IS DISTINCT FROM (
        excluded.source, excluded.media_type, excluded.file_path, excluded.checksum,
        excluded.size_bytes, excluded.width, excluded.height, excluded.status, excluded.reason
      )
    RETURNING a.id
)
SELECT id, true AS changed FROM written
UNION ALL
SELECT id, false AS changed FROM attachments
WHERE message_id = %(message_id)s AND NOT EXISTS (SELECT 1 FROM written);

-- attachments_to_retry --
-- Per chat, the oldest message since `since` whose image could not be stored for a reason
-- worth retrying and that has had fewer than `max_tries` tries, and how many such images.
SELECT m.thread_external_id AS chat_id, min(m.ts) AS oldest, count(*) AS images
FROM attachments AS a JOIN messages AS m ON m.id = a.message_id
WHERE a.source = %(source)s AND a.status = 'failed' AND a.reason = ANY(%(reasons)s)
  AND a.tries < %(max_tries)s AND m.ts >= %(since)s
GROUP BY m.thread_external_id;

-- attachments_retry_count --
-- A read of one chat reached back to `since` to retry its images: each image of that chat still
-- failed for a reason worth retrying, with fewer than `max_tries` tries, counts one more.
UPDATE attachments AS a SET tries = a.tries + 1, updated_at = now()
FROM messages AS m
WHERE m.id = a.message_id AND m.platform = %(source)s AND m.thread_external_id = %(chat_id)s
  AND m.ts >= %(since)s AND a.source = %(source)s AND a.status = 'failed'
  AND a.reason = ANY(%(reasons)s) AND a.tries < %(max_tries)s;

-- attachments_awaiting_extraction --
-- Stored attachments whose extraction job has not been queued yet, oldest first.
SELECT id FROM attachments WHERE extraction_status = 'awaiting' ORDER BY id;

-- attachment_mark_extraction_status --
-- Set the extraction status of some attachments; rows already in that status are not rewritten.
UPDATE attachments SET extraction_status = %(status)s, updated_at = now()
WHERE id = ANY(%(attachment_ids)s) AND extraction_status <> %(status)s;

-- attachment_provenance --
-- Where an attachment comes from, for extraction provenance.
SELECT m.thread_external_id, m.external_id, m.ts AS message_ts, a.checksum, a.file_path, a.media_type
FROM attachments AS a JOIN messages AS m ON m.id = a.message_id
WHERE a.id = %(attachment_id)s;

-- extraction_for_checksum --
-- A finished result of this extractor version for the same bytes (another attachment).
SELECT e.attachment_id, e.result
FROM extractions AS e JOIN attachments AS a ON a.id = e.attachment_id
WHERE a.checksum = %(checksum)s AND e.extractor = %(extractor)s
  AND e.extractor_version = %(extractor_version)s AND e.status = 'done'
ORDER BY e.id
LIMIT 1;

-- checksum_lock --
-- Wait for the session-level lock of one image's bytes (one recognition per checksum).
SELECT pg_advisory_lock(hashtextextended('kenny-wa:extract:' || %(checksum)s, 0));

-- checksum_unlock --
-- Release the session-level lock of one image's bytes.
SELECT pg_advisory_unlock(hashtextextended('kenny-wa:extract:' || %(checksum)s, 0)) AS unlocked;

-- extraction_upsert --
-- Record one extractor's result for one attachment (a rerun of the same extractor replaces it).
INSERT INTO extractions AS e (
    attachment_id, provenance, status, extractor, extractor_version, result, error
)
VALUES (
    %(attachment_id)s, %(provenance)s, %(status)s, %(extractor)s, %(extractor_version)s,
    %(result)s, %(error)s
)
ON CONFLICT (attachment_id, extractor) DO UPDATE SET
    provenance = excluded.provenance,
    status = excluded.status,
    extractor_version = excluded.extractor_version,
    result = excluded.result,
    error = excluded.error
RETURNING e.id;

-- cursors_get --
-- Every chat cursor of a source.
SELECT chat_id, newest_ts, newest_external_id, last_activity, complete, partial_reason, read_at
FROM chat_cursors WHERE source = %(source)s;

-- cursor_advance --
-- Move a chat cursor forward: newest_ts and last_activity never go backwards; completeness
-- and its reason always describe the latest sync of the chat; read_at is the start of the
-- latest read (a batch that read nothing keeps the earlier one).
INSERT INTO chat_cursors AS c (
    source, chat_id, newest_ts, newest_external_id, last_activity, complete, partial_reason,
    read_at, last_synced_at
)
VALUES (
    %(source)s, %(chat_id)s, %(newest_ts)s, %(newest_external_id)s, %(last_activity)s,
    %(complete)s, %(partial_reason)s, %(read_at)s, now()
)
ON CONFLICT (source, chat_id) DO UPDATE SET
    newest_ts = GREATEST(c.newest_ts, excluded.newest_ts),
    newest_external_id = CASE
        WHEN excluded.newest_ts IS NOT NULL
             AND (c.newest_ts IS NULL OR excluded.newest_ts >= c.newest_ts)
        THEN coalesce(excluded.newest_external_id, c.newest_external_id)
        ELSE c.newest_external_id END,
    last_activity = GREATEST(c.last_activity, excluded.last_activity),
    complete = excluded.complete,
    partial_reason = excluded.partial_reason,
    read_at = coalesce(excluded.read_at, c.read_at),
    last_synced_at = now();

-- run_start --
-- Open a run record.
INSERT INTO sync_runs (profile, dry_run, status) VALUES (%(profile)s, %(dry_run)s, 'running')
RETURNING id;

-- run_finish --
-- Close a run record with its summary; a count left out keeps its current value.
UPDATE sync_runs SET
    finished_at = now(),
    status = coalesce(%(status)s, status),
    error_kind = %(error_kind)s,
    complete = coalesce(%(complete)s, complete),
    chats_total = coalesce(%(chats_total)s, chats_total),
    chats_synced = coalesce(%(chats_synced)s, chats_synced),
    chats_opened = coalesce(%(chats_opened)s, chats_opened),
    messages_fetched = coalesce(%(messages_fetched)s, messages_fetched),
    inserted = coalesce(%(inserted)s, inserted),
    updated = coalesce(%(updated)s, updated),
    unchanged = coalesce(%(unchanged)s, unchanged),
    revised = coalesce(%(revised)s, revised),
    upserts = coalesce(%(upserts)s, upserts),
    attachments_saved = coalesce(%(attachments_saved)s, attachments_saved),
    attachments_failed = coalesce(%(attachments_failed)s, attachments_failed),
    extraction_jobs_enqueued = coalesce(%(extraction_jobs_enqueued)s, extraction_jobs_enqueued),
    agent_jobs_enqueued = coalesce(%(agent_jobs_enqueued)s, agent_jobs_enqueued),
    errors = coalesce(%(errors)s, errors),
    partial_chats = coalesce(%(partial_chats)s, partial_chats),
    chats_archived = coalesce(%(chats_archived)s, chats_archived),
    deferred_unread = coalesce(%(deferred_unread)s, deferred_unread),
    unread_restored = coalesce(%(unread_restored)s, unread_restored),
    unread_restore_failed = coalesce(%(unread_restore_failed)s, unread_restore_failed),
    deferred_chats = coalesce(%(deferred_chats)s, deferred_chats),
    seconds = coalesce(%(seconds)s, extract(epoch FROM clock_timestamp() - started_at))
WHERE id = %(run_id)s;

-- unread_get --
-- The remembered read state of every chat of a source (deferrals, pending restores).
SELECT chat_id, deferred_since, restore_pending_since FROM chat_unread WHERE source = %(source)s;

-- unread_defer --
-- These chats were left unopened for their badge: remember since when (the first time only)
-- and the title the list showed.
INSERT INTO chat_unread AS u (source, chat_id, deferred_since, title)
SELECT %(source)s, d.id, %(now)s, d.title
FROM unnest(%(chat_ids)s::text[], %(titles)s::text[]) AS d (id, title)
ON CONFLICT (source, chat_id) DO UPDATE SET
    deferred_since = coalesce(u.deferred_since, excluded.deferred_since),
    title = coalesce(excluded.title, u.title);

-- unread_settle --
-- After a run that walked every view: chats not deferred by it wait no longer.
UPDATE chat_unread SET deferred_since = NULL
WHERE source = %(source)s AND deferred_since IS NOT NULL AND NOT chat_id = ANY(%(chat_ids)s::text[]);

-- unread_prune --
-- Rows left with nothing to remember go.
DELETE FROM chat_unread
WHERE source = %(source)s AND deferred_since IS NULL AND restore_pending_since IS NULL;

-- unread_restore_pending --
-- About to open a chat to read it and mark it unread again: noted (and committed) first.
INSERT INTO chat_unread AS u (source, chat_id, restore_pending_since)
VALUES (%(source)s, %(chat_id)s, now())
ON CONFLICT (source, chat_id) DO UPDATE SET
    restore_pending_since = coalesce(u.restore_pending_since, excluded.restore_pending_since);

-- unread_restored --
-- The chat shows unread again: nothing pending for it any more.
UPDATE chat_unread SET restore_pending_since = NULL
WHERE source = %(source)s AND chat_id = %(chat_id)s;

-- status_deferred_chats --
-- The chats waiting for their unread badge to go, longest-waiting first, with their titles
-- (for the owner's own terminal; never logged).
SELECT chat_id, title, deferred_since FROM chat_unread
WHERE source = %(source)s AND deferred_since IS NOT NULL
ORDER BY deferred_since, chat_id;

-- unread_waiting --
-- How many chats wait for their badge to go, and since when the oldest waits.
SELECT count(*) AS chats, min(deferred_since) AS oldest
FROM chat_unread WHERE source = %(source)s AND deferred_since IS NOT NULL;

-- run_get --
-- One run record.
SELECT * FROM sync_runs WHERE id = %(run_id)s;

-- sync_state_record --
-- Record the outcome of a run for a source. Success resets the failure count and the backoff.
-- A failure counts up; when it is of a kind that must back off (UI drift, HTTP 429), the n-th
-- failure in a row skips runs until now + interval * (2^(n-1) - 1), at most 6 hours: the first
-- failure lets the next scheduled run go ahead, later ones space runs out further and further.
INSERT INTO sync_state AS s (
    source, last_seen_ts, last_success_at, last_run_at, session_status, consecutive_failures,
    backoff_until, updated_at
)
VALUES (
    %(source)s, %(last_seen_ts)s, CASE WHEN %(success)s THEN now() END, now(),
    %(session_status)s, CASE WHEN %(success)s THEN 0 ELSE 1 END, NULL, now()
)
ON CONFLICT (source) DO UPDATE SET
    last_seen_ts = GREATEST(s.last_seen_ts, excluded.last_seen_ts),
    last_success_at = coalesce(excluded.last_success_at, s.last_success_at),
    last_run_at = excluded.last_run_at,
    session_status = excluded.session_status,
    consecutive_failures = CASE WHEN %(success)s THEN 0 ELSE s.consecutive_failures + 1 END,
    backoff_until = CASE WHEN %(success)s OR NOT %(back_off)s THEN NULL
        ELSE now() + LEAST(
            %(interval)s::interval * (power(2, LEAST(s.consecutive_failures, 16)) - 1),
            interval '6 hours') END,
    updated_at = now();

-- sync_state_paired --
-- `kenny-wa login` paired the profile again: the session is logged in, whatever the last run
-- found. Nothing else changes (the next run records its own outcome); no row, nothing to do.
UPDATE sync_state SET session_status = 'logged_in', updated_at = now() WHERE source = %(source)s;

-- sync_state_get --
-- The sync state row of a source.
SELECT source, last_seen_ts, last_success_at, last_run_at, session_status,
    consecutive_failures, backoff_until, last_sweep_at, updated_at
FROM sync_state WHERE source = %(source)s;

-- sync_state_swept --
-- A run finished the revision sweep it began at `at` (the row exists: the run was recorded).
UPDATE sync_state SET last_sweep_at = GREATEST(last_sweep_at, %(at)s), updated_at = now()
WHERE source = %(source)s;

-- status_row_counts --
-- Row counts of kenny-wa's tables (messages of this platform only).
SELECT
    (SELECT count(*) FROM messages WHERE platform = %(platform)s) AS messages,
    (SELECT count(*) FROM attachments WHERE source = %(platform)s) AS attachments,
    (SELECT count(*) FROM extractions) AS extractions,
    (SELECT count(*) FROM chat_cursors WHERE source = %(platform)s) AS chat_cursors,
    (SELECT count(*) FROM sync_runs) AS sync_runs;

-- status_attachments_by_status --
-- Attachment counts by storage status.
SELECT status, count(*) AS n FROM attachments WHERE source = %(platform)s
GROUP BY status ORDER BY status;

-- status_last_run --
-- The latest run record.
SELECT id, started_at, finished_at, status, error_kind, complete, dry_run, chats_synced,
    messages_fetched, upserts, errors, seconds
FROM sync_runs ORDER BY id DESC LIMIT 1;

-- metrics_totals --
-- Counter totals over every non-dry run.
SELECT
    count(*) AS runs,
    coalesce(sum(messages_fetched), 0) AS messages_fetched,
    coalesce(sum(upserts), 0) AS upserts,
    coalesce(sum(attachments_saved), 0) AS attachments_saved,
    coalesce(sum(extraction_jobs_enqueued), 0) AS extraction_jobs_enqueued,
    coalesce(sum(errors), 0) AS errors
FROM sync_runs WHERE NOT dry_run;

-- metrics_refused_by_reason --
-- Chats whose messages were refused rather than stored (guards.REFUSAL_REASONS), by reason,
-- over every non-dry run.
SELECT elem->>'reason' AS reason, count(*) AS n
FROM sync_runs, jsonb_array_elements(partial_chats) AS elem
WHERE NOT dry_run AND elem->>'reason' = ANY(%(reasons)s)
GROUP BY 1 ORDER BY 1;

-- metrics_last_cycle --
-- Duration of the latest finished run.
SELECT seconds FROM sync_runs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC
LIMIT 1;

-- metrics_runs_by_status --
-- Run counts by final status.
SELECT status, count(*) AS n FROM sync_runs GROUP BY status ORDER BY status;

-- profile_try_lock --
-- Take the session-level lock of one WhatsApp profile without waiting.
SELECT pg_try_advisory_lock(hashtextextended('kenny-wa:' || %(key)s, 0)) AS locked;

-- profile_unlock --
-- Release the session-level lock of one WhatsApp profile.
SELECT pg_advisory_unlock(hashtextextended('kenny-wa:' || %(key)s, 0)) AS unlocked;

-- ping --
-- Readiness probe.
SELECT 1 AS ok;

-- database_exists --
-- Whether a database of that name exists on the server.
SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = %(name)s) AS present;

-- create_database --
-- Create a database (the name is bound with psycopg.sql.Identifier by the caller).
CREATE DATABASE {name};

-- status_incomplete_chats --
-- Chats whose last sync did not reach the cutoff, newest activity first, with what the owner's
-- own terminal may show as their name: the one recipient of a 1:1 chat's outgoing rows (the
-- chat title), else the sender of its newest incoming row. Never logged.
SELECT c.chat_id, c.partial_reason, c.last_synced_at,
    (SELECT m.recipient_ids ->> 0 FROM messages m
     WHERE m.platform = c.source AND m.thread_external_id = c.chat_id AND m.is_outgoing
       AND jsonb_typeof(m.recipient_ids) = 'array' AND jsonb_array_length(m.recipient_ids) = 1
     ORDER BY m.ts DESC LIMIT 1) AS outgoing_to,
    (SELECT m.sender_id FROM messages m
     WHERE m.platform = c.source AND m.thread_external_id = c.chat_id AND NOT m.is_outgoing
     ORDER BY m.ts DESC LIMIT 1) AS last_sender
FROM chat_cursors c
WHERE c.source = %(source)s AND c.complete IS FALSE
ORDER BY c.last_activity DESC NULLS LAST, c.chat_id;

-- status_chat_ids --
-- Every chat id kenny-wa knows (cursors, stored messages, deferred chats), to resolve a chat
-- ref locally.
SELECT chat_id FROM chat_cursors WHERE source = %(source)s
UNION
SELECT DISTINCT thread_external_id FROM messages WHERE platform = %(source)s
UNION
SELECT chat_id FROM chat_unread WHERE source = %(source)s;
