-- Hearth schema: a user's sessions are signed cookies that carry the account's session epoch;
-- logging out and a new password raise it, so every earlier cookie of that account stops working
-- (a copied cookie used to stay valid after logout until it expired).
ALTER TABLE "user" ADD COLUMN "session_epoch" INTEGER NOT NULL DEFAULT 0;
