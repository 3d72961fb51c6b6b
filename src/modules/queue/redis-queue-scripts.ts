/*
 * The Redis store's Lua scripts. Key layout of one room (every key carries the room
 * as its {hash tag}, so each script touches one Cluster slot and runs unchanged on
 * Redis Cluster; a script never touches two rooms):
 *   1 waiting  ZSET userId → seq (live waiters)     2 seen     ZSET userId → last seen (ms)
 *   3 active   ZSET userId → admission expiry (ms)  4 entry    HASH userId → "seq:issuedAt:activeUntil"
 *   5 seq      arrival counter                      6 meta     HASH epoch, slot, B, oldB
 *   7 admitted ZSET "slot:admitted:B:dropped" → tick time (the admission history)
 *   8 dropped  ZSET seq → time dropped              9 droppedSeq ZSET seq → seq (for pruning)
 *  10 snap     STRING the per-tick state       11 busy     ZSET userId → admitted user busy until (ms)
 * Seqs start from the clock (ms × 1000) and reach 2^50: every number that goes into
 * a string is formatted with %.0f, never tostring (which would round to 14 digits).
 */
export const ROOM_KEYS = [
  'waiting',
  'seen',
  'active',
  'entry',
  'seq',
  'meta',
  'admitted',
  'dropped',
  'droppedSeq',
  'snap',
  'busy',
] as const;

const COMMON = `
local function n(x) return string.format('%.0f', x) end
local function parse(e)
  local seq, issued, untilv = string.match(e, '^(%d+):(%d+):(%d+)$')
  return seq, issued, tonumber(untilv)
end
local function boundary() return tonumber(redis.call('HGET', KEYS[6], 'B') or '0') end
local function placeable(seq) return tonumber(seq) > boundary() and not redis.call('ZSCORE', KEYS[9], seq) end
local function add(uid, seq, issued, now)
  redis.call('ZADD', KEYS[1], seq, uid)
  redis.call('ZADD', KEYS[2], now, uid)
  redis.call('HSET', KEYS[4], uid, seq .. ':' .. issued .. ':0')
  if tonumber(redis.call('GET', KEYS[5]) or '0') < tonumber(seq) then redis.call('SET', KEYS[5], seq) end
end
local function drop(uid, now)
  local seq = redis.call('ZSCORE', KEYS[1], uid)
  redis.call('ZREM', KEYS[1], uid)
  redis.call('ZREM', KEYS[2], uid)
  redis.call('HDEL', KEYS[4], uid)
  if seq then
    redis.call('ZADD', KEYS[8], now, seq)
    redis.call('ZADD', KEYS[9], seq, seq)
  end
end
`;

// ARGV: userId, now, idle, claimed seq (0: none), claimed issuedAt
export const ISSUE = `${COMMON}
local uid, now, idle = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local e = redis.call('HGET', KEYS[4], uid)
if e then
  local seq, issued, untilv = parse(e)
  if untilv > now then return {'ACTIVE', seq, issued, n(untilv)} end
  local seen = redis.call('ZSCORE', KEYS[2], uid)
  if untilv == 0 and seen and tonumber(seen) + idle > now then
    redis.call('ZADD', KEYS[2], now, uid)
    return {'WAITING', seq, issued, redis.call('ZCOUNT', KEYS[1], '-inf', seq)}
  end
  if untilv == 0 then drop(uid, now) else
    redis.call('HDEL', KEYS[4], uid)
    redis.call('ZREM', KEYS[3], uid)
    redis.call('ZREM', KEYS[11], uid)
  end
end
if ARGV[4] ~= '0' and placeable(ARGV[4]) then
  add(uid, ARGV[4], ARGV[5], now)
  return {'WAITING', ARGV[4], ARGV[5], redis.call('ZCOUNT', KEYS[1], '-inf', ARGV[4])}
end
if not redis.call('GET', KEYS[5]) then redis.call('SET', KEYS[5], n(now * 1000)) end
local seq = n(redis.call('INCR', KEYS[5]))
add(uid, seq, n(now), now)
return {'WAITING', seq, n(now), redis.call('ZCOUNT', KEYS[1], '-inf', seq)}
`;

// ARGV: now, waiter count W, then userId, seq, issuedAt per seen waiter (W times), then
// userId, seq, busy-until per admitted user seen (a busy time never moves back)
export const TOUCH = `${COMMON}
local now = tonumber(ARGV[1])
local last = 2 + 3 * tonumber(ARGV[2])
local readded = 0
for i = last + 1, #ARGV, 3 do
  local uid, seq, busy = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local e = redis.call('HGET', KEYS[4], uid)
  if e then
    local current, _, untilv = parse(e)
    local was = redis.call('ZSCORE', KEYS[11], uid)
    if current == seq and untilv > now and was and tonumber(was) < busy then
      redis.call('ZADD', KEYS[11], busy, uid)
    end
  end
end
for i = 3, last, 3 do
  local uid, seq = ARGV[i], ARGV[i + 1]
  local e = redis.call('HGET', KEYS[4], uid)
  if e then
    local current, _, untilv = parse(e)
    if current == seq and untilv == 0 then redis.call('ZADD', KEYS[2], now, uid) end
  elseif placeable(seq) then
    add(uid, seq, ARGV[i + 2], now)
    readded = readded + 1
  end
end
return readded
`;

// ARGV: now, perTick, maxActive, idle, ttl, tick, keep, floorSeq, floorB, headMax, epoch candidate,
// activeIdle (0: off), warn
export const ADMIT = `${COMMON}
local now, perTick, maxActive = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local idle, ttl, tick, keep = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local floorSeq, floorB, headMax = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local activeIdle, warn = tonumber(ARGV[12]), tonumber(ARGV[13])
redis.call('HSETNX', KEYS[6], 'epoch', ARGV[11])
local slot = math.floor(now / tick)
if slot <= tonumber(redis.call('HGET', KEYS[6], 'slot') or '-1') then return {0, 0, 0, 0, 0} end
redis.call('HSET', KEYS[6], 'slot', n(slot))
-- A lost counter restarts from the clock (as ISSUE's does), never from the floor alone: the
-- floor is the highest seq this process saw, and the others may have given higher ones since.
local counter = redis.call('GET', KEYS[5])
if not counter and floorSeq > 0 then
  redis.call('SET', KEYS[5], n(math.max(floorSeq, now * 1000)))
elseif counter and tonumber(counter) < floorSeq then
  redis.call('SET', KEYS[5], n(floorSeq))
end
local B = math.max(boundary(), floorB)
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 10000)
for _, uid in ipairs(expired) do
  redis.call('ZREM', KEYS[3], uid)
  redis.call('ZREM', KEYS[11], uid)
  redis.call('HDEL', KEYS[4], uid)
end
-- Admitted users idle for activeIdle (a live hold counts as busy until it ends) free their
-- slot; their seqs join the dropped list, so every process ends their tokens within a tick.
local released = {}
if activeIdle > 0 then
  released = redis.call('ZRANGEBYSCORE', KEYS[11], '-inf', now - activeIdle, 'LIMIT', 0, 10000)
  for _, uid in ipairs(released) do
    local e = redis.call('HGET', KEYS[4], uid)
    redis.call('ZREM', KEYS[11], uid)
    redis.call('ZREM', KEYS[3], uid)
    redis.call('HDEL', KEYS[4], uid)
    if e then
      local seq = parse(e)
      redis.call('ZADD', KEYS[8], now, seq)
      redis.call('ZADD', KEYS[9], seq, seq)
    end
  end
end
local idlers = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - idle, 'LIMIT', 0, 10000)
for _, uid in ipairs(idlers) do drop(uid, now) end
local room = math.min(perTick, maxActive - redis.call('ZCARD', KEYS[3]))
local admitted = 0
if room > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], room)
  for i = 1, #popped, 2 do
    local uid, seq = popped[i], tonumber(popped[i + 1])
    local _, issued = parse(redis.call('HGET', KEYS[4], uid))
    redis.call('ZREM', KEYS[2], uid)
    redis.call('ZADD', KEYS[3], now + ttl, uid)
    redis.call('ZADD', KEYS[11], now, uid)
    redis.call('HSET', KEYS[4], uid, n(seq) .. ':' .. issued .. ':' .. n(now + ttl))
    if seq > B then B = seq end
    admitted = admitted + 1
  end
end
redis.call('HSET', KEYS[6], 'B', n(B))
if admitted > 0 or #idlers > 0 then
  redis.call('ZADD', KEYS[7], now, n(slot) .. ':' .. admitted .. ':' .. n(B) .. ':' .. #idlers)
end
local oldB = tonumber(redis.call('HGET', KEYS[6], 'oldB') or '0')
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', now - keep)) do
  local b = tonumber(string.match(m, '^%d+:%d+:(%d+):'))
  if b > oldB then oldB = b end
end
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now - keep)
redis.call('HSET', KEYS[6], 'oldB', n(oldB))
for _, seq in ipairs(redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', oldB)) do
  redis.call('ZREM', KEYS[8], seq)
  redis.call('ZREM', KEYS[9], seq)
end
local waiting = redis.call('ZCARD', KEYS[1])
local ranks, seqs = {}, {}
local head = math.min(headMax, waiting)
if head > 0 then
  local firsts = redis.call('ZRANGE', KEYS[1], 0, head - 1, 'WITHSCORES')
  for i = 2, #firsts, 2 do
    ranks[#ranks + 1] = i / 2
    seqs[#seqs + 1] = firsts[i]
  end
end
local rank = head
while rank < waiting do
  rank = math.min(math.max(rank + 1, math.floor(rank * 1.01)), waiting)
  ranks[#ranks + 1] = rank
  seqs[#seqs + 1] = redis.call('ZRANGE', KEYS[1], rank - 1, rank - 1, 'WITHSCORES')[2]
end
local deadlines = {}
if activeIdle > 0 then
  local soon = redis.call('ZRANGEBYSCORE', KEYS[11], '-inf', now - activeIdle + warn, 'WITHSCORES', 'LIMIT', 0, 10000)
  for i = 1, #soon, 2 do
    local e = redis.call('HGET', KEYS[4], soon[i])
    if e then deadlines[#deadlines + 1] = parse(e) .. ':' .. n(tonumber(soon[i + 1]) + activeIdle) end
  end
end
redis.call('SET', KEYS[10], table.concat({
  redis.call('HGET', KEYS[6], 'epoch'), n(now), n(B), n(oldB), redis.call('GET', KEYS[5]) or '0',
  n(waiting), table.concat(ranks, ','), table.concat(seqs, ','), table.concat(deadlines, ',')
}, '|'))
return {1, admitted, #expired, #idlers, #released}
`;

// ARGV: droppedSince
export const VIEW = `
return {
  redis.call('GET', KEYS[10]) or '',
  redis.call('ZRANGE', KEYS[7], 0, -1, 'WITHSCORES'),
  redis.call('ZRANGEBYSCORE', KEYS[8], ARGV[1], '+inf', 'WITHSCORES')
}
`;

// ARGV: userId, seq
export const EXPIRE = `
local e = redis.call('HGET', KEYS[4], ARGV[1])
if not e or string.match(e, '^(%d+):') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[11], ARGV[1])
return 1
`;

// ARGV: userId, seq
export const LAST_SEEN = `
local e = redis.call('HGET', KEYS[4], ARGV[1])
if not e then return false end
local seq, _, untilv = string.match(e, '^(%d+):(%d+):(%d+)$')
if seq ~= ARGV[2] or untilv ~= '0' then return false end
return redis.call('ZSCORE', KEYS[2], ARGV[1])
`;
