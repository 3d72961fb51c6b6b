-- A lottery anyone can verify (issue 17): a secret committed to before anyone joins, the
-- seed derived from it and the final entrant list, entrants published as salted hashes.

CREATE TABLE sale_commitments (
  concert_id bigint PRIMARY KEY REFERENCES concerts (id) ON DELETE CASCADE,
  -- 256 bits, hex; published only after the draw.
  secret     text NOT NULL,
  -- SHA-256 (hex) of the secret's hex text: published from the start.
  commitment text NOT NULL,
  created_at timestamptz NOT NULL
);

-- Each entrant's salt: the entrant is published as SHA-256("<salt>:<userId>"), which only
-- the fan (who got the salt when joining) can recognise.
ALTER TABLE pre_queue_entrants ADD COLUMN salt text;
ALTER TABLE sale_lotteries ADD COLUMN entrants_digest text;

-- Proof-of-work on joining: each solved challenge works once (kept until it expires).
CREATE TABLE used_queue_proofs (
  challenge_id text PRIMARY KEY,
  expires_at   timestamptz NOT NULL
);
