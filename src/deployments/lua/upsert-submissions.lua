-- Upserts students by name, within the deployment's student limit, in one step.
-- Guarantees: the number of students never exceeds the limit, however many upserts run at once
-- (the count of new names and the write cannot be interleaved); nothing is written for a
-- deployment that no longer exists; a refused request writes nothing.
-- KEYS: 1 the deployment record, 2 the deployment's student hash
-- ARGV: 1 the most students a deployment may hold, 2.. name/record pairs (names unique)
-- Returns {1, total after the write}, {0, the total the write would have made} when refused, or
-- {-1, 0} when the deployment does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local limit = tonumber(ARGV[1])
local total = redis.call('HLEN', KEYS[2])
for i = 2, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then total = total + 1 end
end
if total > limit then return {0, total} end
-- HSET in chunks: unpack() of more than a few thousand values overflows Lua's C stack.
local chunk = {}
for i = 2, #ARGV do
  chunk[#chunk + 1] = ARGV[i]
  if #chunk == 1000 or i == #ARGV then
    redis.call('HSET', KEYS[2], unpack(chunk))
    chunk = {}
  end
end
return {1, total}
