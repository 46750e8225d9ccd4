-- Puts a running attempt back to waiting, when its worker stops or is lost before it finished.
-- Guarantees: only the named attempt is put back (a late call after a newer attempt started
-- changes nothing); a finished task is left as it is; progress visibly starts over at 0; the
-- change is announced on the task's event channel.
-- KEYS: 1 task hash, 2 lease index
-- ARGV: 1 attempt, 2 status text
-- Returns ok | stale | terminal | missing.
local function terminal(s) return s == 'succeeded' or s == 'failed' or s == 'cancelled' end
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if not s then return 'missing' end
if terminal(s) then return 'terminal' end
if s ~= 'running' or redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] then return 'stale' end
redis.call('HSET', KEYS[1], 'lifecycle', 'queued', 'stage', 'pending', 'progress', 0,
  'status', ARGV[2])
redis.call('HDEL', KEYS[1], 'lease_until')
redis.call('ZREM', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
redis.call('PUBLISH', KEYS[1] .. ':events', 'queued')
return 'ok'
