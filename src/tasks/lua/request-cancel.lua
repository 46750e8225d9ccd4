-- Records that someone asked a task to stop.
-- Guarantees: the first reason sticks; a finished task is left as it is, so the caller learns
-- how it ended and cancel can tell the truth; a recorded request is announced on the task's
-- event channel (its status reads "Cancellation requested...").
-- KEYS: 1 task hash
-- ARGV: 1 reason
-- Returns the lifecycle found before the request, or 'missing'.
local function terminal(s) return s == 'succeeded' or s == 'failed' or s == 'cancelled' end
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if not s then return 'missing' end
if not terminal(s) and not redis.call('HGET', KEYS[1], 'cancel_reason') then
  redis.call('HSET', KEYS[1], 'cancel_reason', ARGV[1])
  redis.call('PUBLISH', KEYS[1] .. ':events', 'cancel')
end
return s
