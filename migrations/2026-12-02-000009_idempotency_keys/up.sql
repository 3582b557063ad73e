-- Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): the first
-- successful answer to a POST sent with a key, kept so that a retry with
-- the same key gets the same answer and creates nothing new. Written in the
-- transaction of the write it answers, so a key is stored exactly when the
-- write is. `scope` is whose key it is: `key:<API key name>`, or for
-- anonymous callers `anonymous:<path>` (the key alone, on that endpoint).
-- `fingerprint` is the SHA-256 of the request (method, path and query,
-- Content-Crs, body): the same key with another request is refused.
-- Rows older than NAERINGSAREAL_IDEMPOTENCY_TTL_HOURS are expired: deleted
-- when their key comes again, and by the service's hourly purge.
CREATE TABLE idempotency_keys (
    scope text NOT NULL CHECK (length(scope) BETWEEN 1 AND 300),
    key text NOT NULL CHECK (key ~ '^[!-~]{1,255}$'),
    fingerprint bytea NOT NULL CHECK (length(fingerprint) = 32),
    status smallint NOT NULL CHECK (status BETWEEN 200 AND 299),
    headers jsonb NOT NULL CHECK (jsonb_typeof(headers) = 'object'),
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- For the purge of expired keys.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
