-- Forgets up to `batch` opId outcomes recorded before a time (RedisStore.purgeOps).
-- KEYS: 1 ops     ARGV: 1 olderThan millis  2 batch  3 op key prefix
-- Returns {forgotten, opId, opId, ...} (every opId examined, so the caller drops its ls:opref)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0,
  tonumber(ARGV[2]))
local out = {0}
for _, id in ipairs(ids) do
  out[1] = out[1] + redis.call('DEL', ARGV[3] .. id)
  redis.call('ZREM', KEYS[1], id)
  out[#out + 1] = id
end
return out
