-- Extends the lease of a running attempt; its runner calls this while it works.
-- Guarantees: only the attempt that holds the task renews it (a lost runner that wakes up late
-- cannot extend the lease of the attempt that replaced it).
-- KEYS: 1 task hash, 2 lease index
-- ARGV: 1 attempt, 2 new lease expiry (ms since epoch)
-- Returns 1 when renewed, 0 otherwise.
if redis.call('HGET', KEYS[1], 'lifecycle') ~= 'running' then return 0 end
if redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lease_until', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], redis.call('HGET', KEYS[1], 'id'))
return 1
