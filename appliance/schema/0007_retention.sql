-- Hearth schema version 7: when a ticket's conversation was anonymised by the data-retention job.
ALTER TABLE "ticket" ADD COLUMN "anonymised_at" DATETIME;
