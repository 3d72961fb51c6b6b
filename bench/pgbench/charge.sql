\set u random(1, 100000)
SELECT outcome FROM sd_charge(:u, 'c' || random()::text, 'h', 1000, '2026-11', 100000000, now());
