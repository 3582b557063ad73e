DROP TABLE mail_outbox;
ALTER TABLE enquiries DROP COLUMN reference, DROP COLUMN lang;
