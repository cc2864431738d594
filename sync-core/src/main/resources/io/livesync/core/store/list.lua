-- Live records in id order after an id (RedisStore.list).
-- KEYS: 1 live     ARGV: 1 afterId ('' for the first page)  2 limit  3 record key prefix
-- Returns {hasMore (1/0), id, recordSeq, recordJson, id, ...}
local min = '-'
if ARGV[1] ~= '' then
  min = '(' .. ARGV[1]
end
local limit = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYLEX', KEYS[1], min, '+', 'LIMIT', 0, limit + 1)
local out = {0}
local n = #ids
if n > limit then
  out[1] = 1
  n = limit
end
for i = 1, n do
  local r = redis.call('HMGET', ARGV[3] .. ids[i], 's', 'j')
  out[#out + 1] = ids[i]
  out[#out + 1] = r[1] or '0'
  out[#out + 1] = r[2] or ''
end
return out
