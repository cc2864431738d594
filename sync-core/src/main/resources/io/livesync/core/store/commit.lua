-- Commits one mutation atomically (RedisStore.commit). All keys share the collection's hash tag.
-- KEYS: 1 rec  2 seq  3 idx  4 live  5 tomb  6 meta  7 op  8 ops
-- ARGV: 1 opId  2 fingerprint  3 expectedVersion  4 hasNext (1/0)  5 newVersion  6 deleted (1/0)
--       7 updatedAt  8 record JSON (no seq)  9 change JSON without its closing brace and seq
--       10 ack JSON  11 createdAt  12 opId TTL millis  13 epoch candidate  14 channel  15 id
-- Returns {'dup', fingerprint, ackJson, createdAt, seq or ''} | {'conflict', currentVersion}
--       | {'ok', seq (0 when nothing but the outcome was stored)}
-- Every check comes before the first write that matters, so an error never leaves half a commit.
local prev = redis.call('HMGET', KEYS[7], 'f', 'a', 'c', 's')
if prev[1] then
  return {'dup', prev[1], prev[2], prev[3] or '0', prev[4] or ''}
end

local seq = 0
if ARGV[4] == '1' then
  local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
  if current ~= tonumber(ARGV[3]) then
    return {'conflict', current}
  end
  redis.call('HSETNX', KEYS[6], 'epoch', ARGV[13])
  seq = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], 'v', ARGV[5], 's', seq, 'u', ARGV[7], 'd', ARGV[6], 'j', ARGV[8])
  redis.call('ZADD', KEYS[3], seq, ARGV[15])
  if ARGV[6] == '1' then
    redis.call('ZREM', KEYS[4], ARGV[15])
    redis.call('ZADD', KEYS[5], ARGV[7], ARGV[15])
  else
    redis.call('ZADD', KEYS[4], 0, ARGV[15])
    redis.call('ZREM', KEYS[5], ARGV[15])
  end
  redis.call('HSET', KEYS[7], 'f', ARGV[2], 'a', ARGV[10], 'c', ARGV[11], 's', seq)
else
  redis.call('HSETNX', KEYS[6], 'epoch', ARGV[13])
  redis.call('HSET', KEYS[7], 'f', ARGV[2], 'a', ARGV[10], 'c', ARGV[11])
end
redis.call('PEXPIRE', KEYS[7], ARGV[12])
redis.call('ZADD', KEYS[8], ARGV[11], ARGV[1])

if seq > 0 then
  local epoch = redis.call('HGET', KEYS[6], 'epoch')
  redis.call('PUBLISH', ARGV[14],
    ARGV[9] .. ',"seq":' .. string.format('%d', seq) .. ',"epoch":"' .. epoch .. '"}')
end
return {'ok', seq}
