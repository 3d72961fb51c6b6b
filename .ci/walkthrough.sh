#!/usr/bin/env bash
# The README's curl walk-through against a running server ($1, e.g. http://127.0.0.1:3000),
# checking each answer; exits non-zero at the first step that does not answer as documented.
set -euo pipefail
base=$1
user=${2:-1}
fail() { echo "walkthrough: $*" >&2; exit 1; }
json() { curl -sS --max-time 10 "$@"; }

issued=$(json -XPOST "$base/waiting/issue" -H 'content-type: application/json' -d "{\"userId\":$user}")
token=$(jq -er .token <<<"$issued") || fail "issue: $issued"
for _ in $(seq 1 50); do
  [ "$(json "$base/waiting/check" -H "X-Queue-Token: $token" | jq -r .active)" = true ] && break
  sleep 0.2
done
[ "$(json "$base/waiting/check" -H "X-Queue-Token: $token" | jq -r .status)" = ACTIVE ] || fail 'never admitted'
before=$(json "$base/users/$user/amount" -H "X-Queue-Token: $token" | jq -er .amount) || fail 'balance'
concert=$(json "$base/concerts" | jq -er '.concerts[0].concertId') || fail 'concerts'
schedule=$(json "$base/concerts/$concert/schedules" | jq -er '.schedules[0].scheduleId') || fail 'schedules'
seat=$(json "$base/concerts/$concert/schedules/$schedule/seats" |
  jq -er '[.seats[] | select(.status == "AVAILABLE")][0]') || fail 'seat map'
held=$(json -XPOST "$base/reservations" -H "X-Queue-Token: $token" -H "Idempotency-Key: walk-hold-$user" \
  -H 'content-type: application/json' \
  -d "{\"userId\":$user,\"concertId\":$concert,\"scheduleId\":$schedule,\"seatNumber\":$(jq .seatNumber <<<"$seat")}")
reservation=$(jq -er .reservationId <<<"$held") || fail "hold: $held"
price=$(jq -er .price <<<"$held")
json -XPATCH "$base/users/$user/charge" -H "X-Queue-Token: $token" -H "Idempotency-Key: walk-charge-$user" \
  -H 'content-type: application/json' -d "{\"amount\":$price}" | jq -e .charged >/dev/null || fail 'charge'
paid=$(json -XPOST "$base/payments" -H "X-Queue-Token: $token" -H "Idempotency-Key: walk-pay-$user" \
  -H 'content-type: application/json' -d "{\"reservationId\":\"$reservation\",\"amount\":$price}")
[ "$(jq -r .status <<<"$paid")" = CONFIRMED ] || fail "pay: $paid"
[ "$(jq -r .balanceAfter <<<"$paid")" = "$before" ] || fail "balance after paying: $paid (expected $before)"
echo "walkthrough: user $user issued, admitted, held, charged and paid (balance back to $before)"
