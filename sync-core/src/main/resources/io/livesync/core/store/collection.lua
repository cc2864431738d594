-- The collection's markers, creating its epoch on first use (RedisStore.collection).
-- KEYS: 1 meta  2 seq     ARGV: 1 epoch candidate
-- Returns {epoch, seq, horizon}
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
local m = redis.call('HMGET', KEYS[1], 'epoch', 'horizon')
return {m[1], redis.call('GET', KEYS[2]) or '0', m[2] or '0'}
