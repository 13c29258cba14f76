-- Hearth schema: failed logins in a row and the time an account stays locked until.
ALTER TABLE "user" ADD COLUMN "failed_logins" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "user" ADD COLUMN "locked_until" DATETIME;
