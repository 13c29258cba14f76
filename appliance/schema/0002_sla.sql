-- Hearth schema version 2: SLA policies, the periods a ticket waits on the customer, SLA events.
CREATE TABLE "sla_policy" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL, "targets" TEXT NOT NULL, "hours" TEXT NOT NULL, "warn_share" REAL NOT NULL, "actions" TEXT NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "sla_policy_company_id" ON "sla_policy" ("company_id");
CREATE TABLE "ticket_pause" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL, "ticket_id" INTEGER NOT NULL, "started_at" DATETIME NOT NULL, "ended_at" DATETIME, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE, FOREIGN KEY ("ticket_id") REFERENCES "ticket" ("id") ON DELETE CASCADE);
CREATE INDEX "ticket_pause_ticket_id" ON "ticket_pause" ("ticket_id");
CREATE TABLE "sla_event" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL, "ticket_id" INTEGER NOT NULL, "target" VARCHAR(32) NOT NULL, "kind" VARCHAR(16) NOT NULL, "cycle_start" DATETIME NOT NULL, "due_at" DATETIME NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE, FOREIGN KEY ("ticket_id") REFERENCES "ticket" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "sla_event_once" ON "sla_event" ("ticket_id", "target", "kind", "cycle_start");
CREATE INDEX "sla_event_company_id" ON "sla_event" ("company_id");
