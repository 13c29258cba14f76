-- Hearth schema: canned replies, ticket tags, ticket merges, and full-text search over tickets.
CREATE TABLE "canned_reply" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL, "owner_id" INTEGER, "title" VARCHAR(120) NOT NULL, "shortcut" VARCHAR(32) NOT NULL, "body" TEXT NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE, FOREIGN KEY ("owner_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE INDEX "canned_reply_company_id" ON "canned_reply" ("company_id");
CREATE INDEX "canned_reply_owner_id" ON "canned_reply" ("owner_id");
-- A shortcut is unique among the company's shared replies and among each person's own.
CREATE UNIQUE INDEX "canned_reply_shared_shortcut" ON "canned_reply" ("company_id", "shortcut") WHERE "owner_id" IS NULL;
CREATE UNIQUE INDEX "canned_reply_personal_shortcut" ON "canned_reply" ("owner_id", "shortcut") WHERE "owner_id" IS NOT NULL;
CREATE TABLE "ticket_tag" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL, "ticket_id" INTEGER NOT NULL, "name" VARCHAR(40) NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE, FOREIGN KEY ("ticket_id") REFERENCES "ticket" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "ticket_tag_ticket_id_name" ON "ticket_tag" ("ticket_id", "name");
CREATE INDEX "ticket_tag_company_id_name" ON "ticket_tag" ("company_id", "name");
CREATE TABLE "ticket_merge" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL, "source_id" INTEGER NOT NULL, "target_id" INTEGER NOT NULL, "merged_by_id" INTEGER, "moved_messages" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE, FOREIGN KEY ("source_id") REFERENCES "ticket" ("id") ON DELETE CASCADE, FOREIGN KEY ("target_id") REFERENCES "ticket" ("id") ON DELETE CASCADE, FOREIGN KEY ("merged_by_id") REFERENCES "user" ("id") ON DELETE SET NULL);
CREATE UNIQUE INDEX "ticket_merge_source_id" ON "ticket_merge" ("source_id");
CREATE INDEX "ticket_merge_target_id" ON "ticket_merge" ("target_id");
CREATE INDEX "ticket_merge_company_id" ON "ticket_merge" ("company_id");
-- One search document per ticket (rowid = ticket id): subject, customer name and email, the
-- conversation's public messages, and its private notes (searched for agents only).
CREATE VIRTUAL TABLE ticket_fts USING fts5(subject, customer, public_text, private_text, company_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO ticket_fts (rowid, subject, customer, public_text, private_text, company_id) SELECT t.id, t.subject, c.name || ' ' || c.email, coalesce((SELECT group_concat(m.body, char(10)) FROM message m WHERE m.ticket_id = t.id AND m.private = 0), ''), coalesce((SELECT group_concat(m.body, char(10)) FROM message m WHERE m.ticket_id = t.id AND m.private = 1), ''), t.company_id FROM ticket t JOIN customer c ON c.id = t.customer_id;
-- Triggers keep the documents in step with every insert, update and delete (cascades included).
CREATE TRIGGER ticket_fts_ticket_insert AFTER INSERT ON ticket BEGIN INSERT INTO ticket_fts (rowid, subject, customer, public_text, private_text, company_id) VALUES (new.id, new.subject, coalesce((SELECT name || ' ' || email FROM customer WHERE id = new.customer_id), ''), '', '', new.company_id); END;
CREATE TRIGGER ticket_fts_ticket_update AFTER UPDATE OF subject, customer_id ON ticket BEGIN UPDATE ticket_fts SET subject = new.subject, customer = coalesce((SELECT name || ' ' || email FROM customer WHERE id = new.customer_id), '') WHERE rowid = new.id; END;
CREATE TRIGGER ticket_fts_ticket_delete AFTER DELETE ON ticket BEGIN DELETE FROM ticket_fts WHERE rowid = old.id; END;
CREATE TRIGGER ticket_fts_customer_update AFTER UPDATE OF name, email ON customer BEGIN UPDATE ticket_fts SET customer = new.name || ' ' || new.email WHERE rowid IN (SELECT id FROM ticket WHERE customer_id = new.id); END;
CREATE TRIGGER ticket_fts_message_insert AFTER INSERT ON message BEGIN UPDATE ticket_fts SET public_text = CASE WHEN new.private THEN public_text ELSE public_text || char(10) || new.body END, private_text = CASE WHEN new.private THEN private_text || char(10) || new.body ELSE private_text END WHERE rowid = new.ticket_id; END;
CREATE TRIGGER ticket_fts_message_update AFTER UPDATE OF body, private, ticket_id ON message BEGIN UPDATE ticket_fts SET public_text = coalesce((SELECT group_concat(m.body, char(10)) FROM message m WHERE m.ticket_id = ticket_fts.rowid AND m.private = 0), ''), private_text = coalesce((SELECT group_concat(m.body, char(10)) FROM message m WHERE m.ticket_id = ticket_fts.rowid AND m.private = 1), '') WHERE rowid IN (old.ticket_id, new.ticket_id); END;
CREATE TRIGGER ticket_fts_message_delete AFTER DELETE ON message BEGIN UPDATE ticket_fts SET public_text = coalesce((SELECT group_concat(m.body, char(10)) FROM message m WHERE m.ticket_id = ticket_fts.rowid AND m.private = 0), ''), private_text = coalesce((SELECT group_concat(m.body, char(10)) FROM message m WHERE m.ticket_id = ticket_fts.rowid AND m.private = 1), '') WHERE rowid = old.ticket_id; END;
