-- Ends a task: its terminal state, its history row and, on success, its output variable.
-- Guarantees: the first end wins (a cancel and a completion can never both be recorded); a
-- success is refused once a cancel was asked for; the behavior's lock is freed only by its own
-- holder; the record expires after the retention period and leaves the lease index; history
-- is bounded; the end is announced on the task's event channel.
-- KEYS: 1 task hash, 2 lock, 3 history list, 4 variables hash, 5 lease index
-- ARGV: 1 task id, 2 lifecycle, 3 retention s, 4 history json, 5 history max,
--       6 variable name ('' for none), 7 variable json, 8.. field/value pairs
-- Returns ok | cancel | terminal | missing.
local function terminal(s) return s == 'succeeded' or s == 'failed' or s == 'cancelled' end
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if not s then return 'missing' end
if terminal(s) then return 'terminal' end
if ARGV[2] == 'succeeded' and redis.call('HGET', KEYS[1], 'cancel_reason') then return 'cancel' end
local fields = {'lifecycle', ARGV[2]}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZREM', KEYS[5], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('LPUSH', KEYS[3], ARGV[4])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
if ARGV[6] ~= '' then redis.call('HSET', KEYS[4], ARGV[6], ARGV[7]) end
redis.call('PUBLISH', KEYS[1] .. ':events', ARGV[2])
return 'ok'
