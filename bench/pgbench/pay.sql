SELECT n, quote_literal(id) AS rid, user_id AS u, price FROM bench_res WHERE n = (SELECT nextval('br')) \gset
SELECT outcome FROM sd_pay(:u, 'p' || :n, 'h', :rid::uuid, :price, gen_random_uuid(), now(), 'room', :n);
