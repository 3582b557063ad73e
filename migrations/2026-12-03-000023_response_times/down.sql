DELETE FROM mail_outbox WHERE kind = 'enquiry_rating';
ALTER TABLE mail_outbox
    DROP CONSTRAINT mail_outbox_kind_check,
    ADD CONSTRAINT mail_outbox_kind_check
        CHECK (kind IN ('enquiry_notice', 'enquiry_confirmation', 'alert_confirmation', 'alert_digest'));
DROP TABLE service_secrets;
DROP TABLE enquiry_ratings;
-- Erased enquiries cannot go back to NOT NULL personal fields.
DELETE FROM enquiries WHERE erased_at IS NOT NULL;
ALTER TABLE enquiry_events
    DROP CONSTRAINT enquiry_events_note_erased_check,
    DROP CONSTRAINT enquiry_events_note_required_check,
    ADD CONSTRAINT enquiry_events_check
        CHECK (note IS NOT NULL OR from_status = to_status OR to_status NOT IN ('answered', 'closed')),
    DROP COLUMN note_erased;
DROP INDEX enquiries_closed_unerased_idx;
DROP INDEX enquiries_unanswered_due_idx;
ALTER TABLE enquiries
    DROP CONSTRAINT enquiries_erased_check,
    DROP CONSTRAINT enquiries_closed_check,
    DROP CONSTRAINT enquiries_answered_check,
    ALTER COLUMN name SET NOT NULL,
    ALTER COLUMN company SET NOT NULL,
    ALTER COLUMN organisation_number SET NOT NULL,
    ALTER COLUMN email SET NOT NULL,
    ALTER COLUMN message SET NOT NULL,
    ALTER COLUMN client_address SET NOT NULL,
    DROP COLUMN erased_at,
    DROP COLUMN closed_at,
    DROP COLUMN answered_at,
    DROP COLUMN answer_due_at;
DROP FUNCTION answer_due(timestamptz, integer);
DROP FUNCTION norwegian_working_day(date);
DROP FUNCTION norwegian_public_holidays(integer);
DROP FUNCTION easter_sunday(integer);
