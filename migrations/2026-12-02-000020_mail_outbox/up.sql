-- The notified reception (issue 14): every enquiry gets a reference number
-- that the company's confirmation quotes, and the language it was sent in;
-- and every e-mail the registry sends goes through a transactional outbox,
-- written in the same transaction as what it tells of (an enquiry), so that
-- no notice is lost while the mail server is down. The sender
-- (src/mail/sender.rs) takes due mails one at a time with
-- FOR UPDATE SKIP LOCKED, sends, and marks them in the same transaction.

CREATE SEQUENCE enquiry_reference_seq;

-- HEN-000001, HEN-000002, …: what the company quotes when it calls
-- (henvendelse = enquiry). Existing enquiries get theirs now, in the order
-- they came.
ALTER TABLE enquiries
    ADD COLUMN reference text,
    ADD COLUMN lang text NOT NULL DEFAULT 'nb' CHECK (lang IN ('nb', 'en'));
UPDATE enquiries e SET reference = 'HEN-' || lpad(nextval('enquiry_reference_seq')::text, 6, '0')
FROM (SELECT id FROM enquiries ORDER BY created_at, id) o
WHERE e.id = o.id;
ALTER TABLE enquiries
    ALTER COLUMN reference SET DEFAULT 'HEN-' || lpad(nextval('enquiry_reference_seq')::text, 6, '0'),
    ALTER COLUMN reference SET NOT NULL,
    ADD CONSTRAINT enquiries_reference_key UNIQUE (reference);
ALTER SEQUENCE enquiry_reference_seq OWNED BY enquiries.reference;

CREATE TABLE mail_outbox (
    -- Also the mail's Message-ID (<id@domain of the sender>), the same at
    -- every attempt, so that a mail sent twice (a crash between the mail
    -- server's acceptance and the mark) can be recognised as one.
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- What the mail is: the notice of a new enquiry to the planners, or the
    -- confirmation to the company.
    kind            text NOT NULL CHECK (kind IN ('enquiry_notice', 'enquiry_confirmation')),
    -- The enquiry it tells of; erasing an enquiry erases its mails.
    enquiry_id      uuid REFERENCES enquiries (id) ON DELETE CASCADE,
    recipient       text NOT NULL CHECK (length(recipient) <= 254
                                         AND recipient ~ '^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$'),
    -- Where an answer goes: the company's address on the planners' notice,
    -- the reception's on the company's confirmation.
    reply_to        text CHECK (length(reply_to) <= 254
                                AND reply_to ~ '^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$'),
    lang            text NOT NULL CHECK (lang IN ('nb', 'en')),
    -- Rendered when queued, in the same transaction: the mail says what was
    -- true when it was written.
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
    -- queued → sent, or → failed when the mail server refused it for good
    -- or every attempt failed; a planner may queue a failed mail again.
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text CHECK (length(last_error) <= 2000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);

-- The sender's question: the queued mails that are due, oldest due first.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at, id) WHERE state = 'queued';
-- The planners' listing, newest first, all or by state.
CREATE INDEX mail_outbox_state_created_idx ON mail_outbox (state, created_at DESC, id DESC);
CREATE INDEX mail_outbox_created_idx ON mail_outbox (created_at DESC, id DESC);
CREATE INDEX mail_outbox_enquiry_idx ON mail_outbox (enquiry_id) WHERE enquiry_id IS NOT NULL;
