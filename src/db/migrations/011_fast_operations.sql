-- The one-round-trip operations of migration 008, made cheaper per call (issue 16, measured
-- with pgbench per function: see README "Where the time goes"). Same signatures, same
-- answers, same rules, same lock order; what changes is how much work each call does.
--
-- 1. Plans. The app's connections plan every statement for its own values
--    (plan_cache_mode = force_custom_plan, src/db/client.ts), and a setting of the session
--    reaches the statements inside a function too: every call of sd_hold planned its CTE,
--    its diagnosis and the foreign-key checks afresh, more than half of the function's time.
--    Each function now plans its statements once per connection (force_generic_plan), with
--    sequential scans disabled (enable_seqscan = off): every statement here is a key lookup,
--    so a plan cached while a table was empty still takes the index once the table has grown
--    (test/db/plans.test.ts grows the tables behind the planner's back and checks).
--
-- 2. No subtransactions. A BEGIN … EXCEPTION block is a subtransaction: its own transaction
--    id once it writes, a resource owner, a second commit-log entry. The blocks only undid the
--    writes of a refusal that is found after the first write (the charge over the monthly
--    limit, the payment the balance does not cover, a hold that lapsed between two of the
--    payment's statements). Those refusals now raise SQLSTATE SD409 with the refusal as JSON in
--    DETAIL: the error ends the statement — its own autocommit transaction — so PostgreSQL
--    undoes every write, and the app (src/db/idempotency/once.ts) reads it as the REFUSED row
--    the function used to return. Nothing is stored for a refusal, as before.
--
-- 3. The hold's sale lock is a transaction-scoped advisory lock on (user, concert) instead of
--    an upserted row of sale_counters: the same serialisation of one user's holds of one sale
--    (each counts, in a later statement, what the previous one committed), without a row
--    insert or update, an index entry and its WAL per hold. With no write before the seat
--    update, a refused hold has nothing to undo.
--
-- 4. The idempotency claim and store are written into each function instead of called
--    (each call was a statement of its own inside the function).

CREATE OR REPLACE FUNCTION sd_hold(
  p_user bigint, p_key text, p_hash text, p_reservation uuid, p_concert bigint, p_schedule bigint,
  p_seat int, p_now timestamptz, p_expires timestamptz, p_default_limit int,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  v_price bigint;
BEGIN
  -- The key's claim (sd_idempotency_claim, inline).
  IF NOT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || p_user || ':reserve:' || p_key, 0)) THEN
    outcome := 'IN_USE';
    RETURN;
  END IF;
  SELECT CASE WHEN k.request_hash = p_hash THEN 'REPLAY' ELSE 'REUSED' END,
         k.response_status, k.response_body
  INTO outcome, status, body
  FROM idempotency_keys k WHERE k.user_id = p_user AND k.operation = 'reserve' AND k.key = p_key;
  IF FOUND THEN
    IF outcome = 'REUSED' THEN
      status := NULL;
      body := NULL;
    END IF;
    RETURN;
  END IF;
  -- The user's sale lock, to the end of the transaction.
  PERFORM pg_advisory_xact_lock(hashtextextended('sale:' || p_user || ':' || p_concert, 0));
  WITH sale AS (
    SELECT 1 FROM schedules sc JOIN concerts c ON c.id = sc.concert_id
    WHERE sc.id = p_schedule AND sc.concert_id = p_concert
      AND (sc.sales_open_at IS NULL OR sc.sales_open_at <= p_now)
      AND (sc.sales_close_at IS NULL OR sc.sales_close_at > p_now)
      AND (SELECT count(*) FROM reservations r
           WHERE r.user_id = p_user AND r.concert_id = p_concert
             AND r.status IN ('ON_HOLD', 'CONFIRMED') -- the partial index's predicate, spelled out
             AND (r.status = 'CONFIRMED' OR r.hold_expires_at > p_now))
          < coalesce(c.ticket_limit, p_default_limit)
  ), held AS (
    UPDATE seats SET status = 'HELD', reservation_id = p_reservation, hold_expires_at = p_expires
    WHERE schedule_id = p_schedule AND seat_number = p_seat
      AND (seats.status = 'AVAILABLE' OR (seats.status = 'HELD' AND hold_expires_at <= p_now))
      AND EXISTS (SELECT 1 FROM sale)
    RETURNING price
  ), lapsed AS (
    UPDATE reservations SET status = 'EXPIRED'
    WHERE schedule_id = p_schedule AND seat_number = p_seat AND reservations.status = 'ON_HOLD'
      AND EXISTS (SELECT 1 FROM held)
    RETURNING 1
  )
  INSERT INTO reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, hold_expires_at, created_at)
  SELECT p_reservation, p_user, p_concert, p_schedule, p_seat, held.price, 'ON_HOLD', p_expires, p_now
  FROM held, (SELECT count(*) FROM lapsed) AS lapsed_first -- the lapsed hold is expired before the insert
  RETURNING price INTO v_price;
  IF NOT FOUND THEN
    -- Nothing was written: the diagnosis, read under the sale lock.
    SELECT jsonb_build_object(
             'found', sc.id IS NOT NULL,
             'seatExists', EXISTS (SELECT 1 FROM seats WHERE schedule_id = p_schedule AND seat_number = p_seat),
             'salesOpenAt', sc.sales_open_at, 'salesCloseAt', sc.sales_close_at,
             'live', (SELECT count(*) FROM reservations r
                      WHERE r.user_id = p_user AND r.concert_id = p_concert
                        AND (r.status = 'CONFIRMED' OR (r.status = 'ON_HOLD' AND r.hold_expires_at > p_now))),
             'ticketLimit', coalesce(c.ticket_limit, p_default_limit))
    INTO body
    FROM (SELECT 1) AS one
    LEFT JOIN schedules sc ON sc.id = p_schedule AND sc.concert_id = p_concert
    LEFT JOIN concerts c ON c.id = sc.concert_id;
    outcome := 'REFUSED';
    RETURN;
  END IF;
  status := 201;
  body := jsonb_build_object(
    'reservationId', p_reservation, 'userId', p_user, 'concertId', p_concert, 'scheduleId', p_schedule,
    'seatNumber', p_seat, 'status', 'ON_HOLD', 'holdExpiresAt', sd_iso(p_expires), 'price', v_price);
  INSERT INTO idempotency_keys (user_id, operation, key, request_hash, response_status, response_body, created_at)
  VALUES (p_user, 'reserve', p_key, p_hash, status, body, p_now);
  outcome := 'DONE';
END $$;

CREATE OR REPLACE FUNCTION sd_pay(
  p_user bigint, p_key text, p_hash text, p_reservation uuid, p_amount numeric, p_payment uuid,
  p_now timestamptz, p_room text, p_seq bigint,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  v_seat record;
  v_balance bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || p_user || ':pay:' || p_key, 0)) THEN
    outcome := 'IN_USE';
    RETURN;
  END IF;
  SELECT CASE WHEN k.request_hash = p_hash THEN 'REPLAY' ELSE 'REUSED' END,
         k.response_status, k.response_body
  INTO outcome, status, body
  FROM idempotency_keys k WHERE k.user_id = p_user AND k.operation = 'pay' AND k.key = p_key;
  IF FOUND THEN
    IF outcome = 'REUSED' THEN
      status := NULL;
      body := NULL;
    END IF;
    RETURN;
  END IF;
  UPDATE seats s SET status = 'RESERVED', hold_expires_at = NULL
  FROM reservations r
  WHERE r.id = p_reservation AND r.user_id = p_user AND r.price = p_amount
    AND r.status = 'ON_HOLD' AND r.hold_expires_at > p_now
    AND s.schedule_id = r.schedule_id AND s.seat_number = r.seat_number
    AND s.reservation_id = p_reservation AND s.status = 'HELD' AND s.hold_expires_at > p_now
    AND EXISTS (SELECT 1 FROM schedules WHERE id = r.schedule_id
                AND (sales_open_at IS NULL OR sales_open_at <= p_now)
                AND (sales_close_at IS NULL OR sales_close_at > p_now))
  RETURNING r.price, s.schedule_id, s.seat_number, r.concert_id INTO v_seat; -- the price the hold was made at
  IF NOT FOUND THEN
    -- Nothing was written: the reservation as it is now and its sales window say why.
    SELECT jsonb_build_object('reservation', sd_reservation_json(r),
                              'salesOpenAt', sc.sales_open_at, 'salesCloseAt', sc.sales_close_at)
    INTO body
    FROM reservations r LEFT JOIN schedules sc ON sc.id = r.schedule_id WHERE r.id = p_reservation;
    outcome := 'REFUSED';
    body := coalesce(body, '{}'::jsonb);
    RETURN;
  END IF;
  -- From here on a refusal raises SD409, which undoes the seat (and what follows) with the statement.
  UPDATE reservations SET status = 'CONFIRMED', confirmed_at = p_now
  WHERE id = p_reservation AND reservations.status = 'ON_HOLD' AND hold_expires_at > p_now;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'payment refused',
      DETAIL = jsonb_build_object('code', 'RESERVATION_EXPIRED')::text;
  END IF;
  INSERT INTO payments (id, reservation_id, user_id, amount, created_at, queue_room, queue_seq)
  VALUES (p_payment, p_reservation, p_user, v_seat.price, p_now, p_room, p_seq);
  -- A conditional debit: concurrent debits can never overdraw.
  UPDATE users SET balance = balance - v_seat.price WHERE id = p_user AND balance >= v_seat.price
  RETURNING balance INTO v_balance;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'payment refused',
      DETAIL = jsonb_build_object('code', 'INSUFFICIENT_BALANCE', 'price', v_seat.price)::text;
  END IF;
  INSERT INTO ledger_entries (user_id, amount, kind, payment_id, created_at)
  VALUES (p_user, -v_seat.price, 'PAYMENT', p_payment, p_now);
  status := 201;
  body := jsonb_build_object(
    'paymentId', p_payment, 'reservationId', p_reservation, 'amount', v_seat.price,
    'balanceAfter', v_balance, 'status', 'CONFIRMED', 'queueTokenExpired', true);
  effect := jsonb_build_object('concertId', v_seat.concert_id, 'scheduleId', v_seat.schedule_id,
                               'seatNumber', v_seat.seat_number, 'price', v_seat.price);
  INSERT INTO idempotency_keys (user_id, operation, key, request_hash, response_status, response_body, created_at)
  VALUES (p_user, 'pay', p_key, p_hash, status, body, p_now);
  outcome := 'DONE';
END $$;

CREATE OR REPLACE FUNCTION sd_charge(
  p_user bigint, p_key text, p_hash text, p_amount bigint, p_month text, p_limit bigint, p_now timestamptz,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  v_balance bigint;
  v_total bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || p_user || ':charge:' || p_key, 0)) THEN
    outcome := 'IN_USE';
    RETURN;
  END IF;
  SELECT CASE WHEN k.request_hash = p_hash THEN 'REPLAY' ELSE 'REUSED' END,
         k.response_status, k.response_body
  INTO outcome, status, body
  FROM idempotency_keys k WHERE k.user_id = p_user AND k.operation = 'charge' AND k.key = p_key;
  IF FOUND THEN
    IF outcome = 'REUSED' THEN
      status := NULL;
      body := NULL;
    END IF;
    RETURN;
  END IF;
  -- users row, ledger row, then the month's conditional upsert (lock order user → month).
  UPDATE users SET balance = balance + p_amount WHERE id = p_user RETURNING balance INTO v_balance;
  IF NOT FOUND THEN
    outcome := 'REFUSED'; -- nothing was written
    body := jsonb_build_object('code', 'USER_NOT_FOUND');
    RETURN;
  END IF;
  INSERT INTO ledger_entries (user_id, amount, kind, created_at) VALUES (p_user, p_amount, 'CHARGE', p_now);
  INSERT INTO monthly_charges (user_id, month, total) VALUES (p_user, p_month, p_amount)
  ON CONFLICT (user_id, month) DO UPDATE SET total = monthly_charges.total + EXCLUDED.total
    WHERE monthly_charges.total + EXCLUDED.total <= p_limit
  RETURNING total INTO v_total;
  IF NOT FOUND THEN
    -- Over the limit: SD409 undoes the balance and the ledger row with the statement.
    RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'charge refused',
      DETAIL = jsonb_build_object('code', 'MONTHLY_CHARGE_LIMIT_EXCEEDED', 'used',
        coalesce((SELECT total FROM monthly_charges WHERE user_id = p_user AND month = p_month), 0))::text;
  END IF;
  status := 200;
  body := jsonb_build_object('userId', p_user, 'amount', v_balance, 'charged', p_amount);
  INSERT INTO idempotency_keys (user_id, operation, key, request_hash, response_status, response_body, created_at)
  VALUES (p_user, 'charge', p_key, p_hash, status, body, p_now);
  outcome := 'DONE';
END $$;

-- Release and refund never had a subtransaction (one statement, all or nothing); their
-- statements are planned once per connection too.
ALTER FUNCTION sd_release(bigint, text, text, uuid, timestamptz)
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sd_release(bigint, text, text, uuid, timestamptz) SET enable_seqscan = off;
ALTER FUNCTION sd_refund(bigint, text, text, uuid, timestamptz)
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sd_refund(bigint, text, text, uuid, timestamptz) SET enable_seqscan = off;
