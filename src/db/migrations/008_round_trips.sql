-- One round trip per money or seat operation (issue 16). Each of hold, payment, charge,
-- release and refund is one PL/pgSQL function, called as one statement in autocommit:
-- the idempotency record (claim, replay, 422, 409 in flight), every rule and every write
-- run inside the database, so no row lock is held across a network round trip.
--
-- Every function answers (outcome, status, body, effect):
--   outcome 'DONE'    the effect committed with its stored answer (status, body);
--           'REPLAY'  the stored answer of an earlier request with this key and payload;
--           'IN_USE'  a request with this key is still running (409);
--           'REUSED'  the key was used with another payload (422);
--           'REFUSED' nothing changed; body says why (the app turns it into its error).
--   effect  what the app needs after commit (the seat that changed), never stored.
-- A refusal after a write rolls the writes back (an inner block whose exception handler
-- undoes them), so a 4xx changes nothing, as before. Each statement inside runs with a
-- new snapshot (READ COMMITTED, volatile functions), so a statement after a lock sees
-- what the lock's previous holder committed, exactly as separate statements did.

-- Instants as the app writes them (Date.prototype.toISOString), for stored answers.
CREATE FUNCTION sd_iso(at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

-- The reservation as the app shows it (holdExpiresAt as an instant string).
CREATE FUNCTION sd_reservation_json(r reservations) RETURNS jsonb LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'reservationId', r.id, 'userId', r.user_id, 'concertId', r.concert_id, 'scheduleId', r.schedule_id,
    'seatNumber', r.seat_number, 'status', r.status, 'holdExpiresAt', sd_iso(r.hold_expires_at),
    'price', r.price);

-- Claims (user, operation, key): NULL outcome when this request may run the effect. The
-- advisory lock is the one the app always used (`idempotency:<user>:<operation>:<key>`),
-- held to the end of the transaction; the lookup is a later statement, so it sees an
-- earlier holder's committed answer.
CREATE FUNCTION sd_idempotency_claim(
  p_user bigint, p_operation text, p_key text, p_hash text,
  OUT outcome text, OUT status int, OUT body jsonb
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  stored record;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || p_user || ':' || p_operation || ':' || p_key, 0)) THEN
    outcome := 'IN_USE';
    RETURN;
  END IF;
  SELECT k.request_hash, k.response_status, k.response_body INTO stored
  FROM idempotency_keys k WHERE k.user_id = p_user AND k.operation = p_operation AND k.key = p_key;
  IF FOUND THEN
    IF stored.request_hash <> p_hash THEN
      outcome := 'REUSED';
    ELSE
      outcome := 'REPLAY';
      status := stored.response_status;
      body := stored.response_body;
    END IF;
  END IF;
END $$;

CREATE FUNCTION sd_idempotency_store(
  p_user bigint, p_operation text, p_key text, p_hash text, p_status int, p_body jsonb, p_now timestamptz
) RETURNS void LANGUAGE sql AS $$
  INSERT INTO idempotency_keys (user_id, operation, key, request_hash, response_status, response_body, created_at)
  VALUES (p_user, p_operation, p_key, p_hash, p_status, p_body, p_now)
$$;

-- The hold: the user's sale lock, then the conditional seat update (the statement the app
-- sent before, unchanged), then the stored answer. Refused: the diagnosis, read under the
-- sale lock before the rollback, for the app to name the reason.
CREATE FUNCTION sd_hold(
  p_user bigint, p_key text, p_hash text, p_reservation uuid, p_concert bigint, p_schedule bigint,
  p_seat int, p_now timestamptz, p_expires timestamptz, p_default_limit int,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_price bigint;
BEGIN
  SELECT c.outcome, c.status, c.body INTO outcome, status, body
  FROM sd_idempotency_claim(p_user, 'reserve', p_key, p_hash) c;
  IF outcome IS NOT NULL THEN RETURN; END IF;
  BEGIN
    INSERT INTO sale_counters (user_id, concert_id, holds) VALUES (p_user, p_concert, 1)
    ON CONFLICT (user_id, concert_id) DO UPDATE SET holds = sale_counters.holds + 1;
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
      RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'hold refused';
    END IF;
  EXCEPTION WHEN SQLSTATE 'SD409' THEN
    outcome := 'REFUSED';
    RETURN;
  END;
  status := 201;
  body := jsonb_build_object(
    'reservationId', p_reservation, 'userId', p_user, 'concertId', p_concert, 'scheduleId', p_schedule,
    'seatNumber', p_seat, 'status', 'ON_HOLD', 'holdExpiresAt', sd_iso(p_expires), 'price', v_price);
  PERFORM sd_idempotency_store(p_user, 'reserve', p_key, p_hash, status, body, p_now);
  outcome := 'DONE';
END $$;

-- The payment: seat → reservation → payment → user, as before. The seat update carries
-- the conditions the app checked on a read before (its user, its price, a live hold);
-- when it matches nothing, the reservation as it is now and the sales window explain why.
CREATE FUNCTION sd_pay(
  p_user bigint, p_key text, p_hash text, p_reservation uuid, p_amount numeric, p_payment uuid,
  p_now timestamptz, p_room text, p_seq bigint,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_seat record;
  v_balance bigint;
BEGIN
  SELECT c.outcome, c.status, c.body INTO outcome, status, body
  FROM sd_idempotency_claim(p_user, 'pay', p_key, p_hash) c;
  IF outcome IS NOT NULL THEN RETURN; END IF;
  BEGIN
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
      SELECT jsonb_build_object('reservation', sd_reservation_json(r),
                                'salesOpenAt', sc.sales_open_at, 'salesCloseAt', sc.sales_close_at)
      INTO body
      FROM reservations r LEFT JOIN schedules sc ON sc.id = r.schedule_id WHERE r.id = p_reservation;
      body := coalesce(body, '{}'::jsonb);
      RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'payment refused';
    END IF;
    UPDATE reservations SET status = 'CONFIRMED', confirmed_at = p_now
    WHERE id = p_reservation AND reservations.status = 'ON_HOLD' AND hold_expires_at > p_now;
    IF NOT FOUND THEN
      body := jsonb_build_object('code', 'RESERVATION_EXPIRED');
      RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'payment refused';
    END IF;
    INSERT INTO payments (id, reservation_id, user_id, amount, created_at, queue_room, queue_seq)
    VALUES (p_payment, p_reservation, p_user, v_seat.price, p_now, p_room, p_seq);
    -- A conditional debit: concurrent debits can never overdraw.
    UPDATE users SET balance = balance - v_seat.price WHERE id = p_user AND balance >= v_seat.price
    RETURNING balance INTO v_balance;
    IF NOT FOUND THEN
      body := jsonb_build_object('code', 'INSUFFICIENT_BALANCE', 'price', v_seat.price);
      RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'payment refused';
    END IF;
    INSERT INTO ledger_entries (user_id, amount, kind, payment_id, created_at)
    VALUES (p_user, -v_seat.price, 'PAYMENT', p_payment, p_now);
  EXCEPTION WHEN SQLSTATE 'SD409' THEN
    outcome := 'REFUSED';
    RETURN;
  END;
  status := 201;
  body := jsonb_build_object(
    'paymentId', p_payment, 'reservationId', p_reservation, 'amount', v_seat.price,
    'balanceAfter', v_balance, 'status', 'CONFIRMED', 'queueTokenExpired', true);
  effect := jsonb_build_object('concertId', v_seat.concert_id, 'scheduleId', v_seat.schedule_id,
                               'seatNumber', v_seat.seat_number, 'price', v_seat.price);
  PERFORM sd_idempotency_store(p_user, 'pay', p_key, p_hash, status, body, p_now);
  outcome := 'DONE';
END $$;

-- The charge: users row, ledger row, then the month's conditional upsert (lock order
-- user → month, as before); over the monthly limit, all of it is undone.
CREATE FUNCTION sd_charge(
  p_user bigint, p_key text, p_hash text, p_amount bigint, p_month text, p_limit bigint, p_now timestamptz,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_balance bigint;
  v_total bigint;
BEGIN
  SELECT c.outcome, c.status, c.body INTO outcome, status, body
  FROM sd_idempotency_claim(p_user, 'charge', p_key, p_hash) c;
  IF outcome IS NOT NULL THEN RETURN; END IF;
  BEGIN
    UPDATE users SET balance = balance + p_amount WHERE id = p_user RETURNING balance INTO v_balance;
    IF NOT FOUND THEN
      body := jsonb_build_object('code', 'USER_NOT_FOUND');
      RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'charge refused';
    END IF;
    INSERT INTO ledger_entries (user_id, amount, kind, created_at) VALUES (p_user, p_amount, 'CHARGE', p_now);
    INSERT INTO monthly_charges (user_id, month, total) VALUES (p_user, p_month, p_amount)
    ON CONFLICT (user_id, month) DO UPDATE SET total = monthly_charges.total + EXCLUDED.total
      WHERE monthly_charges.total + EXCLUDED.total <= p_limit
    RETURNING total INTO v_total;
    IF NOT FOUND THEN
      body := jsonb_build_object('code', 'MONTHLY_CHARGE_LIMIT_EXCEEDED', 'used',
        coalesce((SELECT total FROM monthly_charges WHERE user_id = p_user AND month = p_month), 0));
      RAISE EXCEPTION USING ERRCODE = 'SD409', MESSAGE = 'charge refused';
    END IF;
  EXCEPTION WHEN SQLSTATE 'SD409' THEN
    outcome := 'REFUSED';
    RETURN;
  END;
  status := 200;
  body := jsonb_build_object('userId', p_user, 'amount', v_balance, 'charged', p_amount);
  PERFORM sd_idempotency_store(p_user, 'charge', p_key, p_hash, status, body, p_now);
  outcome := 'DONE';
END $$;

-- The release: the app's one statement (seat first, then the reservation), unchanged.
-- It writes nothing unless all of it matched, so a refusal needs no rollback.
CREATE FUNCTION sd_release(
  p_user bigint, p_key text, p_hash text, p_reservation uuid, p_now timestamptz,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql AS $$
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
      AND s.reservation_id = p_reservation AND s.status = 'HELD' AND s.hold_expires_at > p_now
    RETURNING 1
  ), released AS (
    UPDATE reservations SET status = 'RELEASED', ended_at = p_now
    WHERE id = p_reservation AND reservations.status = 'ON_HOLD' AND EXISTS (SELECT 1 FROM freed)
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

-- The refund: the app's one statement (seat → reservation → payment → user → ledger),
-- each step only if the one before matched; all of it or none.
CREATE FUNCTION sd_refund(
  p_user bigint, p_key text, p_hash text, p_reservation uuid, p_now timestamptz,
  OUT outcome text, OUT status int, OUT body jsonb, OUT effect jsonb
) LANGUAGE plpgsql AS $$
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
    WHERE id = p_reservation AND reservations.status = 'CONFIRMED' AND EXISTS (SELECT 1 FROM freed)
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
