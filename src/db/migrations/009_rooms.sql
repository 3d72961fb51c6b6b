-- Rooms and openings: a waiting room per concert's sale, a pre-queue before the opening,
-- the opening's lottery (recorded seed and order) and live admission controls per sale.

-- Live controls of a sale's waiting room; no row: the configured defaults, admission running.
CREATE TABLE sale_controls (
  concert_id     bigint PRIMARY KEY REFERENCES concerts (id) ON DELETE CASCADE,
  paused         boolean NOT NULL DEFAULT false,
  -- NULL: QUEUE_ADMIT_PER_TICK / QUEUE_MAX_ACTIVE.
  admit_per_tick int CHECK (admit_per_tick BETWEEN 1 AND 100000),
  max_active     int CHECK (max_active BETWEEN 1 AND 10000000),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Arrivals before the opening. seq is filled by the draw: the place the lottery gave.
CREATE TABLE pre_queue_entrants (
  concert_id bigint NOT NULL REFERENCES concerts (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL,
  joined_at  timestamptz NOT NULL,
  seq        bigint,
  PRIMARY KEY (concert_id, user_id)
);

-- One draw per sale, at its opening: the seed and a digest of the order it gave.
CREATE TABLE sale_lotteries (
  concert_id   bigint PRIMARY KEY REFERENCES concerts (id) ON DELETE CASCADE,
  opens_at     timestamptz NOT NULL,
  drawn_at     timestamptz NOT NULL,
  seed         text NOT NULL,
  entrants     int NOT NULL,
  order_digest text NOT NULL
);
