-- The queue token a payment ended ("the token carries the place": room + arrival seq name
-- it). Stored in the payment's own transaction, so a paid token stays dead even when the
-- queue store (Redis) loses its data; every process reads the recent ones once per tick.
ALTER TABLE payments ADD COLUMN queue_room text, ADD COLUMN queue_seq bigint;
CREATE INDEX payments_by_time ON payments (created_at) WHERE queue_seq IS NOT NULL;
