-- The inbox table: one row per stored delivery.
--   metadata  Delivery::metadata_json(): event id, route, kept headers, verified facts
--   body      the exact verified body
--   state     'pending' (to handle, or being handled) or 'dead' (every attempt failed);
--             a handled delivery's row is deleted in the handler's own transaction
--   attempts  claims so far (committed at each claim, so a handler that kills its
--             worker still uses up its attempts)
--   due_at    when the row may be claimed: now, after a retry's delay, or after the
--             visibility timeout of the claim that holds it
CREATE TABLE IF NOT EXISTS {table} (
    id          bigserial   PRIMARY KEY,
    event_id    text,
    metadata    text        NOT NULL,
    body        bytea       NOT NULL,
    state       text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    attempts    integer     NOT NULL DEFAULT 0,
    due_at      timestamptz NOT NULL DEFAULT now(),
    last_error  text,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS {index} ON {table} (due_at, id) WHERE state = 'pending';
