-- Scratch-database set-up for the pgbench scripts beside this file (README, "Per-call cost:
-- migration 011"). Run on a database migrated and seeded with `npm run seed`
-- (SEED_USERS=100000 SEED_CONCERTS=670), never on one that matters: it rewrites balances.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
-- Free seats of the generated concerts, in random order (hold.sql) and in seat order (hold-one-concert.sql).
CREATE TABLE bench_seats AS SELECT row_number() OVER (ORDER BY random()) n, s.schedule_id, s.seat_number, sc.concert_id
  FROM seats s JOIN schedules sc ON sc.id = s.schedule_id WHERE sc.concert_id > 3;
CREATE UNIQUE INDEX ON bench_seats (n);
CREATE SEQUENCE bs;
CREATE TABLE bench_oseats AS SELECT row_number() OVER (ORDER BY s.schedule_id, s.seat_number) n, s.schedule_id, s.seat_number, sc.concert_id
  FROM seats s JOIN schedules sc ON sc.id = s.schedule_id WHERE sc.concert_id > 300 AND s.status = 'AVAILABLE';
CREATE UNIQUE INDEX ON bench_oseats (n);
CREATE SEQUENCE os;
CREATE SEQUENCE br;
UPDATE users SET balance = 1000000000; -- payments must not run out (the ledger no longer sums: scratch only)
VACUUM ANALYZE;
-- Before pay.sql, right after a hold.sql run (holds last 10 minutes):
--   DROP TABLE IF EXISTS bench_res; CREATE TABLE bench_res AS SELECT row_number() OVER () n, id, user_id, price
--   FROM reservations WHERE status = 'ON_HOLD' AND hold_expires_at > now() + interval '5 min';
--   CREATE UNIQUE INDEX ON bench_res (n); SELECT setval('br', 1);
-- Run like the app's sessions:
--   PGOPTIONS='-c plan_cache_mode=force_custom_plan' taskset -c 1 pgbench -n -c 10 -j 1 -T 10 -f hold.sql <db>
