-- Enquiries: the municipality's reception of companies' enquiries about
-- land (the business plan's "efficient, service-friendly reception"). A
-- company asks about a plot or about a need; planners assign the enquiry
-- and move it through new → in progress → answered → closed. The CHECKs
-- mirror the validation in src/enquiries/input.rs, so that nothing that
-- bypasses the API stores what the API would refuse.

-- A Norwegian organisation number (organisasjonsnummer): 9 digits, the last
-- a MOD11 check digit over the first 8 with weights 3, 2, 7, 6, 5, 4, 3, 2
-- (check = 11 - sum mod 11; 11 gives 0; 10 means the number cannot exist).
-- CASE keeps the digit arithmetic from running on text that is not digits.
CREATE FUNCTION organisation_number_valid(n text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE
    WHEN n !~ '^[0-9]{9}$' THEN false
    ELSE (
        SELECT CASE sum(substr(n, i::integer, 1)::integer * w) % 11
                   WHEN 0 THEN 0
                   WHEN 1 THEN -1
                   ELSE 11 - sum(substr(n, i::integer, 1)::integer * w) % 11
               END
        FROM unnest(ARRAY[3, 2, 7, 6, 5, 4, 3, 2]) WITH ORDINALITY AS weights(w, i)
    ) = substr(n, 9, 1)::integer
END;

-- How many members a JSON object has; NULL for any other JSON value (a
-- CHECK cannot hold a subquery, and jsonb_object_keys fails on arrays).
CREATE FUNCTION jsonb_object_size(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(j) = 'object'
            THEN (SELECT count(*) FROM jsonb_object_keys(j))::integer
       END;

CREATE TABLE enquiries (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The plot asked about. Plots are never deleted (they end), so the link
    -- holds when the plot is sold or withdrawn afterwards.
    plot_id             uuid REFERENCES plots (id),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200 AND name ~ '\S'),
    company             text NOT NULL CHECK (length(company) BETWEEN 1 AND 200 AND company ~ '\S'),
    organisation_number text NOT NULL CHECK (organisation_number_valid(organisation_number)),
    email               text NOT NULL CHECK (length(email) <= 254
                                             AND email ~ '^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$'),
    phone               text CHECK (length(phone) <= 20
                                    AND phone ~ '^\+?[0-9 ]+$'
                                    AND length(regexp_replace(phone, '[^0-9]', '', 'g')) BETWEEN 5 AND 15),
    message             text NOT NULL CHECK (length(message) BETWEEN 1 AND 5000 AND message ~ '\S'),
    -- The needs a company gave in site matching (area, land use, power, …),
    -- free-form: an object of at most 20 members (the body's size limit
    -- bounds the rest).
    needs               jsonb CHECK (jsonb_typeof(needs) = 'object'
                                     AND jsonb_object_size(needs) <= 20),
    status              text NOT NULL DEFAULT 'new'
                        CHECK (status IN ('new', 'in_progress', 'answered', 'closed')),
    -- The planner in charge: an API key's name (names are never reused).
    assigned_to         text REFERENCES api_keys (name),
    -- Where the enquiry came from: the client's IP address, for the rate
    -- limit. Never shown through the API.
    client_address      text NOT NULL CHECK (length(client_address) BETWEEN 1 AND 64),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (updated_at >= created_at)
);

-- The listing: newest first, all or by status or by assignee; keyset
-- paging on (created_at, id).
CREATE INDEX enquiries_created_idx ON enquiries (created_at DESC, id DESC);
CREATE INDEX enquiries_status_created_idx ON enquiries (status, created_at DESC, id DESC);
CREATE INDEX enquiries_assigned_created_idx ON enquiries (assigned_to, created_at DESC, id DESC)
    WHERE assigned_to IS NOT NULL;
-- The enquiries about a plot.
CREATE INDEX enquiries_plot_idx ON enquiries (plot_id) WHERE plot_id IS NOT NULL;
-- The rate limit: a client's enquiries in the last window.
CREATE INDEX enquiries_client_created_idx ON enquiries (client_address, created_at DESC);

-- Every workflow change of an enquiry: who moved it from which status to
-- which, whom it was assigned to afterwards, and why. A note is required
-- when an enquiry is answered or closed. (Deleting an enquiry, e.g. to
-- erase personal data, deletes its history with it.)
CREATE TABLE enquiry_events (
    id          bigserial PRIMARY KEY,
    enquiry_id  uuid NOT NULL REFERENCES enquiries (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    by          text NOT NULL REFERENCES api_keys (name),
    from_status text NOT NULL CHECK (from_status IN ('new', 'in_progress', 'answered', 'closed')),
    to_status   text NOT NULL CHECK (to_status IN ('new', 'in_progress', 'answered', 'closed')),
    assigned_to text REFERENCES api_keys (name),
    note        text CHECK (length(note) BETWEEN 1 AND 2000 AND note ~ '\S'),
    CHECK (note IS NOT NULL OR from_status = to_status OR to_status NOT IN ('answered', 'closed'))
);

CREATE INDEX enquiry_events_enquiry_idx ON enquiry_events (enquiry_id, id);
