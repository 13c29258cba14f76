-- Hearth schema: outgoing webhooks per company and every delivery of them.
CREATE TABLE "webhook_endpoint" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL, "url" VARCHAR(2000) NOT NULL, "secret" VARCHAR(128) NOT NULL, "events" TEXT NOT NULL, "active" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
CREATE INDEX "webhook_endpoint_company_id" ON "webhook_endpoint" ("company_id");
CREATE TABLE "webhook_delivery" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL, "endpoint_id" INTEGER NOT NULL, "event" VARCHAR(32) NOT NULL, "payload" TEXT NOT NULL, "status" VARCHAR(16) NOT NULL, "attempts" INTEGER NOT NULL, "last_status_code" INTEGER, "last_error" TEXT, "next_attempt_at" DATETIME, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE, FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint" ("id") ON DELETE CASCADE);
CREATE INDEX "webhook_delivery_due" ON "webhook_delivery" ("status", "next_attempt_at");
CREATE INDEX "webhook_delivery_company_id" ON "webhook_delivery" ("company_id", "id");
CREATE INDEX "webhook_delivery_endpoint_id" ON "webhook_delivery" ("endpoint_id");
