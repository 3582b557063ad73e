-- Response times, ratings and the erasure of enquirers' data (issue 14,
-- parts 5 and 6).
--
-- Every enquiry gets, when it arrives, the moment its first answer is due:
-- the end of the N-th working day after the day it came (Norwegian time;
-- N is NAERINGSAREAL_ANSWER_WORKING_DAYS), where working days are Monday
-- to Friday but Norway's public holidays. It keeps that promise even if
-- the target changes later. `answered_at` is when it first got an answer
-- (moved to answered, or closed without one); `closed_at` when it was
-- closed, cleared when it is reopened. After closing, the company gets a
-- link to rate the reception (1–5), the plan's satisfaction indicator.
-- A configurable time after closing, or when the enquirer asks, the
-- personal fields are erased in place: the row stays, anonymous, for the
-- response times, ratings and demand.

-- Easter Sunday of the Gregorian year `y` (the anonymous Gregorian
-- algorithm, Meeus/Jones/Butcher).
CREATE FUNCTION easter_sunday(y integer) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    a integer := y % 19;
    b integer := y / 100;
    c integer := y % 100;
    h integer;
    l integer;
    m integer;
BEGIN
    h := (19 * a + b - b / 4 - (b - (b + 8) / 25 + 1) / 3 + 15) % 30;
    l := (32 + 2 * (b % 4) + 2 * (c / 4) - h - c % 4) % 7;
    m := (a + 11 * h + 22 * l) / 451;
    RETURN make_date(y, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
END
$$;

-- Norway's public holidays of the year `y` (helligdager, lov om
-- helligdager og helligdagsfred, and 1 and 17 May, lov om 1. og 17. mai som
-- høgtidsdagar), with their names.
CREATE FUNCTION norwegian_public_holidays(y integer)
RETURNS TABLE (day date, name text)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT make_date(y, 1, 1), 'Første nyttårsdag'
    UNION ALL SELECT easter_sunday(y) - 3, 'Skjærtorsdag'
    UNION ALL SELECT easter_sunday(y) - 2, 'Langfredag'
    UNION ALL SELECT easter_sunday(y), 'Første påskedag'
    UNION ALL SELECT easter_sunday(y) + 1, 'Andre påskedag'
    UNION ALL SELECT make_date(y, 5, 1), 'Offentlig høytidsdag'
    UNION ALL SELECT make_date(y, 5, 17), 'Grunnlovsdag'
    UNION ALL SELECT easter_sunday(y) + 39, 'Kristi himmelfartsdag'
    UNION ALL SELECT easter_sunday(y) + 49, 'Første pinsedag'
    UNION ALL SELECT easter_sunday(y) + 50, 'Andre pinsedag'
    UNION ALL SELECT make_date(y, 12, 25), 'Første juledag'
    UNION ALL SELECT make_date(y, 12, 26), 'Andre juledag';
END;

-- Monday to Friday, and not a public holiday.
CREATE FUNCTION norwegian_working_day(d date) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN extract(isodow FROM d) < 6
   AND NOT EXISTS (SELECT 1 FROM norwegian_public_holidays(extract(year FROM d)::integer) h
                   WHERE h.day = d);

-- When the first answer to what arrived at `received` is due: the end (the
-- next midnight, Norwegian time) of the `working_days`-th working day
-- after the day it arrived. Tuesday 10:00 with 2 days: Thursday 24:00.
CREATE FUNCTION answer_due(received timestamptz, working_days integer) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
    d date := (received AT TIME ZONE 'Europe/Oslo')::date;
    todo integer := working_days;
BEGIN
    WHILE todo > 0 LOOP
        d := d + 1;
        IF norwegian_working_day(d) THEN
            todo := todo - 1;
        END IF;
    END LOOP;
    RETURN (d + 1)::timestamp AT TIME ZONE 'Europe/Oslo';
END
$$;

ALTER TABLE enquiries
    ADD COLUMN answer_due_at timestamptz,
    ADD COLUMN answered_at timestamptz,
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN erased_at timestamptz;

-- What is there already: due by the default target (2 working days),
-- answered at its first answer or closing, closed at its last closing
-- (or, without such an event, when it last changed).
UPDATE enquiries e SET
    answer_due_at = answer_due(e.created_at, 2),
    answered_at = coalesce((SELECT min(v.at) FROM enquiry_events v
                            WHERE v.enquiry_id = e.id AND v.to_status IN ('answered', 'closed')),
                           CASE WHEN e.status IN ('answered', 'closed') THEN e.updated_at END),
    closed_at = CASE WHEN e.status = 'closed' THEN
                    coalesce((SELECT max(v.at) FROM enquiry_events v
                              WHERE v.enquiry_id = e.id AND v.to_status = 'closed'),
                             e.updated_at)
                END;

-- The personal fields become nullable: empty exactly when erased.
ALTER TABLE enquiries
    ALTER COLUMN answer_due_at SET NOT NULL,
    -- The service sets it by its configured target; this is for rows
    -- written by hand.
    ALTER COLUMN answer_due_at SET DEFAULT answer_due(now(), 2),
    ALTER COLUMN name DROP NOT NULL,
    ALTER COLUMN company DROP NOT NULL,
    ALTER COLUMN organisation_number DROP NOT NULL,
    ALTER COLUMN email DROP NOT NULL,
    ALTER COLUMN message DROP NOT NULL,
    ALTER COLUMN client_address DROP NOT NULL,
    ADD CONSTRAINT enquiries_answered_check CHECK (answered_at >= created_at),
    ADD CONSTRAINT enquiries_closed_check CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    ADD CONSTRAINT enquiries_erased_check CHECK (
        CASE WHEN erased_at IS NULL
             THEN name IS NOT NULL AND company IS NOT NULL AND organisation_number IS NOT NULL
                  AND email IS NOT NULL AND message IS NOT NULL AND client_address IS NOT NULL
             ELSE status = 'closed' AND name IS NULL AND company IS NULL
                  AND organisation_number IS NULL AND email IS NULL AND phone IS NULL
                  AND message IS NULL AND client_address IS NULL
        END);

-- The overdue list: enquiries without an answer, by when it was due.
CREATE INDEX enquiries_unanswered_due_idx ON enquiries (answer_due_at) WHERE answered_at IS NULL;
-- The erasure after the retention time: closed enquiries not yet erased.
CREATE INDEX enquiries_closed_unerased_idx ON enquiries (closed_at) WHERE erased_at IS NULL;

-- A planner's notes may name people: erased with the enquiry. An erased
-- note leaves its event (who moved the enquiry where, and when).
ALTER TABLE enquiry_events
    ADD COLUMN note_erased boolean NOT NULL DEFAULT false,
    DROP CONSTRAINT enquiry_events_check,
    ADD CONSTRAINT enquiry_events_note_required_check
        CHECK (note IS NOT NULL OR note_erased OR from_status = to_status
               OR to_status NOT IN ('answered', 'closed')),
    ADD CONSTRAINT enquiry_events_note_erased_check CHECK (NOT note_erased OR note IS NULL);

-- The company's rating of the reception, through the signed link of the
-- mail it gets when its enquiry is closed: one per enquiry (a second
-- answer replaces the first).
CREATE TABLE enquiry_ratings (
    enquiry_id uuid PRIMARY KEY REFERENCES enquiries (id) ON DELETE CASCADE,
    -- 1 (very dissatisfied) to 5 (very satisfied).
    score      smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    -- Free text: erased with the enquiry's personal fields.
    comment    text CHECK (length(comment) BETWEEN 1 AND 2000 AND comment ~ '\S'),
    rated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enquiry_ratings_rated_idx ON enquiry_ratings (rated_at);

-- Keys the service signs with, made here once, shared by every instance
-- (32 bytes from PostgreSQL's strong random source).
CREATE TABLE service_secrets (
    name   text PRIMARY KEY,
    secret bytea NOT NULL CHECK (length(secret) >= 32)
);
INSERT INTO service_secrets (name, secret)
VALUES ('rating', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

ALTER TABLE mail_outbox
    DROP CONSTRAINT mail_outbox_kind_check,
    ADD CONSTRAINT mail_outbox_kind_check
        CHECK (kind IN ('enquiry_notice', 'enquiry_confirmation', 'enquiry_rating',
                        'alert_confirmation', 'alert_digest'));
