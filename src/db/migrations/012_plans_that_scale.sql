-- Plans that stay right as a sale fills the tables (issue 18).
--
-- The functions plan their statements once per connection (migration 011: generic plans).
-- A plan made while `reservations` and `seats` held few live rows costs every usable index
-- alike, and PostgreSQL may take a partial index that the statement's status test makes
-- usable as a whole-index scan instead of the one that finds the row by key. Kept for the
-- connection's life, such a plan reads every live hold on each call once a sale is under
-- way. Found with `auto_explain` (plans cached on empty analysed tables, then 45,000 live
-- reservations added): the lapsed-hold step of every successful hold scanned
-- `reservations_live_by_user_concert` whole (45,008 rows filtered out, 4 ms per hold); a
-- payment's confirmation scanned `reservations_on_hold_by_expiry`, its seat step
-- `seats_held_by_expiry`; test/db/plans.test.ts counted 600,000 rows fetched for 8 fans.
--
-- The rule now: a statement's status test never proves a partial index's predicate unless
-- that index is the one meant, so the meant index is the only one the planner can use:
-- - a test that must not select a partial index is written in a CASE (no predicate can be
--   proved from a CASE; a CASE without ELSE is NULL, which WHERE treats as false: same rows);
-- - the ticket limit's index is no longer partial: (user_id, concert_id) over every
--   reservation, so no status test can make it usable as a whole-index scan. A user's
--   reservations of one concert are few whatever their status, and the index also serves
--   the lookups by user, so `reservations_by_user` goes (one index entry fewer per hold).
-- Otherwise the functions are those of migrations 008 and 011, with 011's plan settings.

DROP INDEX reservations_live_by_user_concert;
DROP INDEX reservations_by_user;
CREATE INDEX reservations_by_user_concert ON reservations (user_id, concert_id);

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
           WHERE r.user_id = p_user AND r.concert_id = p_concert -- reservations_by_user_concert
             AND CASE r.status WHEN 'CONFIRMED' THEN true WHEN 'ON_HOLD' THEN r.hold_expires_at > p_now END)
          < coalesce(c.ticket_limit, p_default_limit)
  ), held AS (
    UPDATE seats SET status = 'HELD', reservation_id = p_reservation, hold_expires_at = p_expires
    WHERE schedule_id = p_schedule AND seat_number = p_seat
      AND (seats.status = 'AVAILABLE' OR (seats.status = 'HELD' AND hold_expires_at <= p_now))
      AND EXISTS (SELECT 1 FROM sale)
    RETURNING price
  ), lapsed AS (
    UPDATE reservations SET status = 'EXPIRED'
    WHERE schedule_id = p_schedule AND seat_number = p_seat -- reservations_one_live_per_seat
      AND reservations.status IN ('ON_HOLD', 'CONFIRMED') AND CASE WHEN reservations.status = 'ON_HOLD' THEN true END
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
                        AND CASE r.status WHEN 'CONFIRMED' THEN true WHEN 'ON_HOLD' THEN r.hold_expires_at > p_now END),
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
    AND CASE WHEN r.status = 'ON_HOLD' THEN r.hold_expires_at > p_now END
    AND s.schedule_id = r.schedule_id AND s.seat_number = r.seat_number
    AND s.reservation_id = p_reservation AND CASE WHEN s.status = 'HELD' THEN s.hold_expires_at > p_now END
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
  WHERE id = p_reservation AND CASE WHEN reservations.status = 'ON_HOLD' THEN hold_expires_at > p_now END;
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

CREATE OR REPLACE FUNCTION sd_release(
  p_user bigint, p_key text, p_hash text, p_reservation uuid, p_now timestamptz,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  v record;
BEGIN
  SELECT c.outcome, c.status, c.body INTO outcome, status, body
  FROM sd_idempotency_claim(p_user, 'release', p_key, p_hash) c;
  IF outcome IS NOT NULL THEN RETURN; END IF;
  WITH r AS (SELECT * FROM reservations WHERE id = p_reservation),
  freed AS (
    UPDATE seats s SET status = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
    FROM r
    WHERE s.schedule_id = r.schedule_id AND s.seat_number = r.seat_number AND r.user_id = p_user
      AND s.reservation_id = p_reservation AND CASE WHEN s.status = 'HELD' THEN s.hold_expires_at > p_now END
    RETURNING 1
  ), released AS (
    UPDATE reservations SET status = 'RELEASED', ended_at = p_now
    WHERE id = p_reservation AND CASE WHEN reservations.status = 'ON_HOLD' THEN true END
      AND EXISTS (SELECT 1 FROM freed)
    RETURNING 1
  )
  SELECT r.id, r.user_id, r.concert_id, r.schedule_id, r.seat_number, r.hold_expires_at, r.price,
         (SELECT count(*) FROM freed) AS freed, (SELECT count(*) FROM released) AS released
  INTO v FROM r;
  IF NOT FOUND THEN
    outcome := 'REFUSED';
    body := '{}'::jsonb;
    RETURN;
  END IF;
  -- A seat held by this reservation means it is ON_HOLD; anything else is a broken invariant.
  IF v.freed <> v.released THEN
    RAISE EXCEPTION 'release of % freed % seats, released %', p_reservation, v.freed, v.released;
  END IF;
  IF v.released = 0 THEN
    -- The reservation as committed now: the statement's own view may predate a racing writer.
    outcome := 'REFUSED';
    SELECT jsonb_build_object('reservation', sd_reservation_json(r)) INTO body
    FROM reservations r WHERE r.id = p_reservation;
    RETURN;
  END IF;
  status := 200;
  body := jsonb_build_object(
    'reservationId', v.id, 'userId', v.user_id, 'concertId', v.concert_id, 'scheduleId', v.schedule_id,
    'seatNumber', v.seat_number, 'status', 'RELEASED', 'holdExpiresAt', sd_iso(v.hold_expires_at),
    'price', v.price);
  effect := jsonb_build_object('concertId', v.concert_id, 'scheduleId', v.schedule_id,
                               'seatNumber', v.seat_number, 'price', v.price);
  PERFORM sd_idempotency_store(p_user, 'release', p_key, p_hash, status, body, p_now);
  outcome := 'DONE';
END $$;

CREATE OR REPLACE FUNCTION sd_refund(
  p_user bigint, p_key text, p_hash text, p_reservation uuid, p_now timestamptz,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  v record;
BEGIN
  SELECT c.outcome, c.status, c.body INTO outcome, status, body
  FROM sd_idempotency_claim(p_user, 'refund', p_key, p_hash) c;
  IF outcome IS NOT NULL THEN RETURN; END IF;
  WITH r AS (SELECT * FROM reservations WHERE id = p_reservation),
  show AS (SELECT sc.starts_at FROM schedules sc, r WHERE sc.id = r.schedule_id),
  freed AS (
    UPDATE seats s SET status = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
    FROM r, show
    WHERE s.schedule_id = r.schedule_id AND s.seat_number = r.seat_number AND r.user_id = p_user
      AND s.reservation_id = p_reservation AND s.status = 'RESERVED' AND show.starts_at > p_now
    RETURNING 1
  ), refunded AS (
    UPDATE reservations SET status = 'REFUNDED', ended_at = p_now
    WHERE id = p_reservation AND CASE WHEN reservations.status = 'CONFIRMED' THEN true END
      AND EXISTS (SELECT 1 FROM freed)
    RETURNING 1
  ), paid AS (
    UPDATE payments SET refunded_at = p_now
    WHERE reservation_id = p_reservation AND refunded_at IS NULL AND EXISTS (SELECT 1 FROM refunded)
    RETURNING id, user_id, amount
  ), wallet AS (
    UPDATE users u SET balance = u.balance + paid.amount FROM paid WHERE u.id = paid.user_id
    RETURNING u.balance
  ), ledger AS (
    INSERT INTO ledger_entries (user_id, amount, kind, payment_id, created_at)
    SELECT user_id, amount, 'REFUND', id, p_now FROM paid
    RETURNING 1
  )
  SELECT (SELECT sd_reservation_json(x) FROM reservations x WHERE x.id = p_reservation) AS row_json,
         r.id, r.status, r.concert_id, r.schedule_id, r.seat_number, r.price,
         (SELECT starts_at FROM show) AS starts_at,
         (SELECT id FROM paid) AS payment_id, (SELECT amount FROM paid) AS amount,
         (SELECT balance FROM wallet) AS balance_after,
         (SELECT count(*) FROM freed) + (SELECT count(*) FROM ledger) AS steps
  INTO v FROM r;
  IF NOT FOUND THEN
    outcome := 'REFUSED';
    body := '{}'::jsonb;
    RETURN;
  END IF;
  IF v.payment_id IS NULL OR v.amount IS NULL OR v.balance_after IS NULL THEN
    -- Nothing may have changed without the rest: a freed seat without its refund is a bug.
    IF v.steps <> 0 THEN
      RAISE EXCEPTION 'refund of % changed % rows without a refund', p_reservation, v.steps;
    END IF;
    outcome := 'REFUSED';
    IF v.status = 'CONFIRMED' THEN
      -- Confirmed when the statement began: read what a racing refund committed since.
      SELECT jsonb_build_object('reservation', sd_reservation_json(r), 'startsAt', v.starts_at) INTO body
      FROM reservations r WHERE r.id = p_reservation;
    ELSE
      body := jsonb_build_object('reservation', v.row_json, 'startsAt', v.starts_at);
    END IF;
    RETURN;
  END IF;
  status := 200;
  body := jsonb_build_object('reservationId', v.id, 'paymentId', v.payment_id, 'status', 'REFUNDED',
                             'refunded', v.amount, 'balanceAfter', v.balance_after);
  effect := jsonb_build_object('concertId', v.concert_id, 'scheduleId', v.schedule_id,
                               'seatNumber', v.seat_number, 'price', v.price);
  PERFORM sd_idempotency_store(p_user, 'refund', p_key, p_hash, status, body, p_now);
  outcome := 'DONE';
END $$;
