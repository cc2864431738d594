-- One catch-up page and the collection's markers from one snapshot (RedisStore.changesSince).
-- KEYS: 1 idx  2 meta  3 seq     ARGV: 1 since  2 limit  3 epoch candidate  4 record key prefix
-- Returns {epoch, seq, horizon, hasMore (1/0), id, recordSeq, recordJson, id, ...}
redis.call('HSETNX', KEYS[2], 'epoch', ARGV[3])
local m = redis.call('HMGET', KEYS[2], 'epoch', 'horizon')
local limit = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'LIMIT', 0, limit + 1)
local out = {m[1], redis.call('GET', KEYS[3]) or '0', m[2] or '0', 0}
local n = #ids
if n > limit then
  out[4] = 1
  n = limit
end
for i = 1, n do
  local r = redis.call('HMGET', ARGV[4] .. ids[i], 's', 'j')
  out[#out + 1] = ids[i]
  out[#out + 1] = r[1] or '0'
  out[#out + 1] = r[2] or ''
end
return out
