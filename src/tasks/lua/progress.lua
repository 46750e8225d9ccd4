-- Records a running task's progress.
-- Guarantees: only a running task moves; progress never goes down (a late, lower update from a
-- slow connection is dropped); a written change is announced on the task's event channel
-- (the task hash key + ':events', RedisKeys.taskEvents) for the live status stream.
-- KEYS: 1 task hash
-- ARGV: 1 progress (0-100), 2 stage, 3 status text
-- Returns 1 when written, 0 when dropped.
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if s ~= 'running' then return 0 end
local p = tonumber(redis.call('HGET', KEYS[1], 'progress')) or 0
local n = tonumber(ARGV[1])
if n < p then return 0 end
redis.call('HSET', KEYS[1], 'progress', n, 'stage', ARGV[2], 'status', ARGV[3])
redis.call('PUBLISH', KEYS[1] .. ':events', 'progress')
return 1
