-- Marks a queued task running.
-- Guarantees: a finished task never starts again; a task with a pending cancel request does not
-- start (the caller records the cancellation); progress never goes down.
-- KEYS: 1 task hash
-- ARGV: 1 started_at, 2 status text, 3 input student count
-- Returns ok | cancel | terminal | missing.
local function terminal(s) return s == 'succeeded' or s == 'failed' or s == 'cancelled' end
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if not s then return 'missing' end
if terminal(s) then return 'terminal' end
if redis.call('HGET', KEYS[1], 'cancel_reason') then return 'cancel' end
local p = tonumber(redis.call('HGET', KEYS[1], 'progress')) or 0
redis.call('HSET', KEYS[1], 'lifecycle', 'running', 'stage', 'initialization',
  'progress', math.max(p, 10), 'status', ARGV[2], 'started_at', ARGV[1],
  'input_student_count', ARGV[3])
return 'ok'
