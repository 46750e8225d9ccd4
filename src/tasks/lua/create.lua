-- Creates a task and takes its behavior's lock, in one step, if the deployment is still the one
-- the caller read.
-- Guarantees: at most one unfinished task per (deployment, behavior); a lock whose holder has
-- finished (or whose record expired) is taken over; the task is listed under its deployment,
-- whose list sheds the ids of expired records as new tasks come;
-- nothing is written when the deployment was edited or deleted since the caller read it (its
-- stored JSON no longer has the SHA-1 the caller saw; an empty SHA-1 skips this check), so a
-- caller that read it from a cache never creates a task from a stale copy; run again for the
-- same task (a client re-sending it after a reconnect), it answers created again.
-- KEYS: 1 lock, 2 task hash, 3 deployment's task set, 4 deployment
-- ARGV: 1 task id, 2 prefix of task hash keys, 3 SHA-1 (hex) of the deployment's JSON as read,
--       4.. field/value pairs of the new record
-- Returns {'created'}, {'held', id of the task holding the lock} or {'stale'}.
local function terminal(s) return s == 'succeeded' or s == 'failed' or s == 'cancelled' end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return {'created'} end
if ARGV[3] ~= '' then
  local deployment = redis.call('GET', KEYS[4])
  if not deployment or redis.sha1hex(deployment) ~= ARGV[3] then return {'stale'} end
end
if holder then
  local s = redis.call('HGET', ARGV[2] .. holder, 'lifecycle')
  if s and not terminal(s) then return {'held', holder} end
end
redis.call('SET', KEYS[1], ARGV[1])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SADD', KEYS[3], ARGV[1])
-- A finished task's record expires; its id would stay in the deployment's set for ever, one more
-- for each trigger. Once the set holds more than 32 ids, each creation checks two members at
-- random and drops those whose record is gone (no other write adds to the set, and this one adds
-- a record with its id), which holds it near twice the tasks still on record. A smaller set, as
-- most deployments have, costs nothing more than its count.
if redis.call('SCARD', KEYS[3]) > 32 then
  for _, id in ipairs(redis.call('SRANDMEMBER', KEYS[3], 2)) do
    if redis.call('EXISTS', ARGV[2] .. id) == 0 then redis.call('SREM', KEYS[3], id) end
  end
end
return {'created'}
