-- One opId's outcome in a collection (RedisStore.findOp).
-- KEYS: 1 op
-- Returns {outcome string (see commit.lua), fingerprint, ack JSON, createdAt, assigned seq}: the
--       last four only for an outcome stored as a hash by an earlier version (nil where absent)
local o = redis.pcall('GET', KEYS[1])
if type(o) == 'table' then
  local h = redis.call('HMGET', KEYS[1], 'f', 'a', 'c', 's')
  return {false, h[1], h[2], h[3], h[4]}
end
return {o, false, false, false, false}
