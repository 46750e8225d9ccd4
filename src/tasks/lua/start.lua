-- Marks a task running, for a first run or for a re-run after its worker was lost.
-- Guarantees: a finished task never starts again; a task with a pending cancel request does not
-- start (the caller records the cancellation); only the deployment the task belongs to starts
-- it (a job naming another is treated as missing); each start is a new attempt, numbered,
-- holding a lease that its runner renews; the class size is counted here, so a runner can send
-- this script together with its reads of the class (one round trip); a re-run shows its progress
-- starting over (10) instead of keeping the lost run's figure; the start is announced on the
-- task's event channel.
-- KEYS: 1 task hash, 2 lease index (sorted set: task id by lease expiry), 3 the deployment's
--       submissions hash
-- ARGV: 1 started_at, 2 status text, 3 deployment id, 4 lease expiry (ms since epoch)
-- Returns {outcome, attempt}: outcome ok | cancel | terminal | missing.
local function terminal(s) return s == 'succeeded' or s == 'failed' or s == 'cancelled' end
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if not s then return {'missing', 0} end
if redis.call('HGET', KEYS[1], 'deployment_id') ~= ARGV[3] then return {'missing', 0} end
if terminal(s) then return {'terminal', 0} end
if redis.call('HGET', KEYS[1], 'cancel_reason') then return {'cancel', 0} end
local attempt = (tonumber(redis.call('HGET', KEYS[1], 'attempt')) or 0) + 1
local status = ARGV[2]
if attempt > 1 then status = status .. ' (attempt ' .. attempt .. ')' end
redis.call('HSET', KEYS[1], 'lifecycle', 'running', 'stage', 'initialization',
  'progress', 10, 'status', status, 'started_at', ARGV[1],
  'input_student_count', redis.call('HLEN', KEYS[3]), 'attempt', attempt,
  'lease_until', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], redis.call('HGET', KEYS[1], 'id'))
redis.call('PUBLISH', KEYS[1] .. ':events', 'running')
return {'ok', attempt}
