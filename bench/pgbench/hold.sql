SELECT n, schedule_id AS sch, seat_number AS seat, concert_id AS con FROM bench_seats WHERE n = (SELECT nextval('bs')) \gset
\set u random(1, 100000)
SELECT outcome FROM sd_hold(:u, 'k' || :n, 'h', gen_random_uuid(), :con, :sch, :seat, now(), now() + interval '10 min', 100000);
