DELETE FROM mail_outbox WHERE kind IN ('alert_confirmation', 'alert_digest');
ALTER TABLE mail_outbox
    DROP COLUMN list_unsubscribe,
    DROP COLUMN alert_id,
    DROP CONSTRAINT mail_outbox_kind_check,
    ADD CONSTRAINT mail_outbox_kind_check CHECK (kind IN ('enquiry_notice', 'enquiry_confirmation'));
DROP TABLE alerts;
