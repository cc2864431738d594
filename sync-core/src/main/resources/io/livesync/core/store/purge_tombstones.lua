-- Removes up to `batch` tombstones last changed before a time and raises the horizon to the
-- highest seq removed, atomically (RedisStore.purgeTombstones).
-- KEYS: 1 tomb  2 idx  3 meta     ARGV: 1 olderThan millis  2 batch  3 record key prefix
-- Returns {removed, examined}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0,
  tonumber(ARGV[2]))
local removed = 0
local highest = 0
for _, id in ipairs(ids) do
  local key = ARGV[3] .. id
  local r = redis.call('HMGET', key, 'd', 's')
  if r[1] == '1' then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[2], id)
    removed = removed + 1
    local s = tonumber(r[2] or '0')
    if s > highest then
      highest = s
    end
  end
  redis.call('ZREM', KEYS[1], id)
end
if highest > tonumber(redis.call('HGET', KEYS[3], 'horizon') or '0') then
  redis.call('HSET', KEYS[3], 'horizon', string.format('%d', highest))
end
return {removed, #ids}
