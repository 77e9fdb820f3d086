-- 0006 deferred chats by title: `kenny-wa status` lists the chats waiting for their unread badge
-- on the owner's own terminal, by the title the chat list showed (a deferred chat may have no
-- stored message to name it by). Never logged.

ALTER TABLE chat_unread ADD COLUMN IF NOT EXISTS title text;
