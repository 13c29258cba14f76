-- Hearth schema version 5: who resolved a ticket (an agent, or the AI when the customer said it
-- answered the question) and the customer's satisfaction rating, given once after resolution.
ALTER TABLE "ticket" ADD COLUMN "resolved_by" VARCHAR(16);
ALTER TABLE "ticket" ADD COLUMN "resolved_by_user_id" INTEGER REFERENCES "user" ("id") ON DELETE SET NULL;
ALTER TABLE "ticket" ADD COLUMN "csat_score" INTEGER;
ALTER TABLE "ticket" ADD COLUMN "csat_comment" TEXT;
ALTER TABLE "ticket" ADD COLUMN "csat_at" DATETIME;
CREATE INDEX "ticket_company_id_created_at" ON "ticket" ("company_id", "created_at");
CREATE INDEX "message_company_id_created_at" ON "message" ("company_id", "created_at");
