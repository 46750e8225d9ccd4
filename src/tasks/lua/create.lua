-- Creates a task and takes its behavior's lock, in one step.
-- Guarantees: at most one unfinished task per (deployment, behavior); a lock whose holder has
-- finished (or whose record expired) is taken over; the task is listed under its deployment.
-- KEYS: 1 lock, 2 task hash, 3 deployment's task set
-- ARGV: 1 task id, 2 prefix of task hash keys, 3.. field/value pairs of the new record
-- Returns '' when created, else the id of the task holding the lock.
local function terminal(s) return s == 'succeeded' or s == 'failed' or s == 'cancelled' end
local holder = redis.call('GET', KEYS[1])
if holder then
  local s = redis.call('HGET', ARGV[2] .. holder, 'lifecycle')
  if s and not terminal(s) then return holder end
end
redis.call('SET', KEYS[1], ARGV[1])
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SADD', KEYS[3], ARGV[1])
return ''
