SELECT n, schedule_id AS sch, seat_number AS seat, concert_id AS con FROM bench_oseats WHERE n = (SELECT nextval('os')) \gset
\set u random(1, 800)
SELECT outcome FROM sd_hold(:u, 'o' || :n, 'h', gen_random_uuid(), :con, :sch, :seat, now(), now() + interval '10 min', 100000);
