-- The inbox table: one row per stored delivery.
--   event_id  the event's id, unique: a delivery whose event is already here (pending,
--             handled or dead) is not stored again
--   metadata  Delivery::metadata_json(): the route, the kept headers, the verified facts
--   body      the exact verified body
--   state     'pending' (to handle, or being handled), 'done' (handled, in the handler's
--             own transaction) or 'dead' (every attempt failed)
--   attempts  claims so far (committed at each claim, so a handler that kills its
--             worker still uses up its attempts)
--   due_at    when the row may be claimed: now, after a retry's delay, or after the
--             visibility timeout of the claim that holds it
CREATE TABLE IF NOT EXISTS {table} (
    id          bigserial   PRIMARY KEY,
    event_id    text,
    metadata    text        NOT NULL,
    body        bytea       NOT NULL,
    state       text        NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'done', 'dead')),
    attempts    integer     NOT NULL DEFAULT 0,
    due_at      timestamptz NOT NULL DEFAULT now(),
    last_error  text,
    received_at timestamptz NOT NULL DEFAULT now(),
    handled_at  timestamptz
);
CREATE INDEX IF NOT EXISTS {due_index} ON {table} (due_at, id) WHERE state = 'pending';
CREATE UNIQUE INDEX IF NOT EXISTS {event_index} ON {table} (event_id);
CREATE INDEX IF NOT EXISTS {handled_index} ON {table} (handled_at) WHERE state = 'done';
