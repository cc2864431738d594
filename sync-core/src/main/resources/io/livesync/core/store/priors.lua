-- Reads what a batch of writes to one collection needs before it is resolved (RedisStore.priors).
-- KEYS: per write i (from 0): 1+2i rec  2+2i op (the outcome of its opId in this collection)
-- Returns 6 entries per write: record seq, record JSON, op fingerprint, ack JSON, createdAt,
--       assigned seq (nil where absent)
local out = {}
for i = 1, #KEYS, 2 do
  local r = redis.call('HMGET', KEYS[i], 's', 'j')
  local o = redis.call('HMGET', KEYS[i + 1], 'f', 'a', 'c', 's')
  out[#out + 1] = r[1]
  out[#out + 1] = r[2]
  out[#out + 1] = o[1]
  out[#out + 1] = o[2]
  out[#out + 1] = o[3]
  out[#out + 1] = o[4]
end
return out
