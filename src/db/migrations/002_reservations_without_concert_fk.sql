-- Every hold inserted a reservation whose concert_id foreign key took a KEY SHARE lock
-- on the concert's row: at ticket opening, hundreds of concurrent transactions locking
-- one row, which PostgreSQL turns into multixacts. The schedule already fixes the concert
-- (the hold statement checks that the schedule is the concert's), so the key goes.
ALTER TABLE reservations DROP CONSTRAINT reservations_concert_id_fkey;
