-- Hearth schema: full-text search indexes each message once, as its own document.
-- Before, a ticket's document held its whole conversation, so every new message re-indexed all the
-- messages before it (a message cost more the longer its conversation) and moving messages in a
-- merge rebuilt both tickets' documents. Now ticket_fts keeps what belongs to the ticket (subject,
-- customer) and message_fts each message's body, reading it from the message table (external
-- content: the text is not stored twice). A search matches a ticket when every word is in its
-- subject, its customer or one of its messages (private notes for agents only).
DROP TRIGGER ticket_fts_message_insert;
DROP TRIGGER ticket_fts_message_update;
DROP TRIGGER ticket_fts_message_delete;
DROP TRIGGER ticket_fts_ticket_insert;
DROP TRIGGER ticket_fts_ticket_update;
DROP TRIGGER ticket_fts_ticket_delete;
DROP TRIGGER ticket_fts_customer_update;
DROP TABLE ticket_fts;
CREATE VIRTUAL TABLE ticket_fts USING fts5(subject, customer, company_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO ticket_fts (rowid, subject, customer, company_id) SELECT t.id, t.subject, coalesce(c.name || ' ' || c.email, ''), t.company_id FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id;
CREATE TRIGGER ticket_fts_ticket_insert AFTER INSERT ON ticket BEGIN INSERT INTO ticket_fts (rowid, subject, customer, company_id) VALUES (new.id, new.subject, coalesce((SELECT name || ' ' || email FROM customer WHERE id = new.customer_id), ''), new.company_id); END;
CREATE TRIGGER ticket_fts_ticket_update AFTER UPDATE OF subject, customer_id ON ticket WHEN old.subject IS NOT new.subject OR old.customer_id IS NOT new.customer_id BEGIN UPDATE ticket_fts SET subject = new.subject, customer = coalesce((SELECT name || ' ' || email FROM customer WHERE id = new.customer_id), '') WHERE rowid = new.id; END;
CREATE TRIGGER ticket_fts_ticket_delete AFTER DELETE ON ticket BEGIN DELETE FROM ticket_fts WHERE rowid = old.id; END;
CREATE TRIGGER ticket_fts_customer_update AFTER UPDATE OF name, email ON customer WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN UPDATE ticket_fts SET customer = new.name || ' ' || new.email WHERE rowid IN (SELECT id FROM ticket WHERE customer_id = new.id); END;
CREATE VIRTUAL TABLE message_fts USING fts5(body, content = 'message', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO message_fts (message_fts) VALUES ('rebuild');
-- An external-content index is told what to forget with the text it indexed ('delete' with the old body).
CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN INSERT INTO message_fts (rowid, body) VALUES (new.id, new.body); END;
CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON message WHEN old.body IS NOT new.body BEGIN INSERT INTO message_fts (message_fts, rowid, body) VALUES ('delete', old.id, old.body); INSERT INTO message_fts (rowid, body) VALUES (new.id, new.body); END;
CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN INSERT INTO message_fts (message_fts, rowid, body) VALUES ('delete', old.id, old.body); END;
