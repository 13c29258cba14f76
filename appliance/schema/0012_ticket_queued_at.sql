-- Hearth schema version 12: when a ticket reached the desk's people (created with the AI off, or
-- handed over or taken over from the AI). The SLA clocks start there; a conversation the AI handles
-- alone has none and runs no clock.
ALTER TABLE "ticket" ADD COLUMN "queued_at" DATETIME;
-- Tickets from before: at the AI's handover if there was one; else, where the AI answered, at the
-- first reply of a person (none if nobody replied: the AI handled it alone); else at creation.
UPDATE "ticket" SET "queued_at" = coalesce(
    (SELECT min(m."created_at") FROM "message" m WHERE m."ticket_id" = "ticket"."id" AND m."author_role" = 'system'
        AND json_extract(m."metadata", '$.handoff_reason') IS NOT NULL),
    CASE WHEN EXISTS (SELECT 1 FROM "message" m WHERE m."ticket_id" = "ticket"."id" AND m."author_role" = 'ai'
                          AND m."private" = 0)
         THEN (SELECT min(m."created_at") FROM "message" m WHERE m."ticket_id" = "ticket"."id"
                   AND m."author_role" = 'agent' AND m."private" = 0)
         ELSE "created_at" END)
WHERE "status" != 'bot';
