-- Forgets the opId outcomes among KEYS (op keys of one collection, found by SCAN) recorded
-- before a time (RedisStore.purgeOps). Outcomes stored as a hash by an earlier version are left
-- to purge_ops.lua, which walks their ops zset.
-- ARGV: 1 olderThan millis
-- Returns the 1-based indexes of the keys deleted
local out = {}
local cutoff = tonumber(ARGV[1])
for i = 1, #KEYS do
  local v = redis.pcall('GET', KEYS[i])
  if type(v) == 'string' then
    local c = tonumber(string.match(v, '^(%d+):'))
    if c and c < cutoff then
      out[#out + 1] = i
      redis.call('DEL', KEYS[i])
    end
  end
end
return out
