-- Alerts for companies (issue 14, part 4): a saved statement of needs,
-- the same shape as site matching takes, with an e-mail address and no
-- account. Double opt-in: an alert is `pending` until the link of its
-- confirmation mail is followed, `active` after, `unsubscribed` when the
-- link in any of its mails is. Its mails go through the outbox.

CREATE TABLE alerts (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email            text NOT NULL CHECK (length(email) <= 254
                                          AND email ~ '^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$'),
    -- As POST /collections/plots/match takes it (checked by the service).
    needs            jsonb NOT NULL CHECK (jsonb_typeof(needs) = 'object'
                                           AND jsonb_object_size(needs) <= 20),
    lang             text NOT NULL CHECK (lang IN ('nb', 'en')),
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'active', 'unsubscribed')),
    -- The confirmation link's token, as its SHA-256: it is needed once.
    confirm_hash     bytea NOT NULL UNIQUE CHECK (length(confirm_hash) = 32),
    -- The unsubscribe link's token, in every mail of the alert: kept as it
    -- is, since later mails carry it again; it can do nothing but end
    -- this alert.
    unsubscribe_token text NOT NULL UNIQUE CHECK (length(unsubscribe_token) BETWEEN 32 AND 64),
    -- Where the request came from, for the rate limit; never shown.
    client_address   text NOT NULL CHECK (length(client_address) BETWEEN 1 AND 64),
    created_at       timestamptz NOT NULL DEFAULT now(),
    confirmed_at     timestamptz,
    unsubscribed_at  timestamptz,
    -- When its last digest was queued: at most one a day.
    last_digest_at   timestamptz,
    CHECK (state <> 'active' OR confirmed_at IS NOT NULL),
    CHECK ((state = 'unsubscribed') = (unsubscribed_at IS NOT NULL))
);

CREATE INDEX alerts_active_idx ON alerts (id) WHERE state = 'active';
CREATE INDEX alerts_client_created_idx ON alerts (client_address, created_at DESC);

-- The outbox takes the alerts' mails: kinds, the alert (erasing it erases
-- its mails), and the List-Unsubscribe URL (RFC 2369, one-click by RFC 8058).
ALTER TABLE mail_outbox
    DROP CONSTRAINT mail_outbox_kind_check,
    ADD CONSTRAINT mail_outbox_kind_check
        CHECK (kind IN ('enquiry_notice', 'enquiry_confirmation', 'alert_confirmation', 'alert_digest')),
    ADD COLUMN alert_id uuid REFERENCES alerts (id) ON DELETE CASCADE,
    ADD COLUMN list_unsubscribe text CHECK (length(list_unsubscribe) <= 2000
                                            AND list_unsubscribe ~ '^https?://');
CREATE INDEX mail_outbox_alert_idx ON mail_outbox (alert_id) WHERE alert_id IS NOT NULL;
