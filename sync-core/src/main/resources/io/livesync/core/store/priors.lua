-- Reads what a batch of writes to one collection needs before it is resolved (RedisStore.priors).
-- KEYS: per write i (from 0): 1+2i rec  2+2i op (the outcome of its opId in this collection)
-- Returns 7 entries per write: record seq, record JSON, the outcome string (see commit.lua),
--       then fingerprint, ack JSON, createdAt, assigned seq of an outcome stored as a hash by an
--       earlier version (nil where absent)
local out = {}
for i = 1, #KEYS, 2 do
  local r = redis.call('HMGET', KEYS[i], 's', 'j')
  out[#out + 1] = r[1]
  out[#out + 1] = r[2]
  local o = redis.pcall('GET', KEYS[i + 1])
  if type(o) == 'table' then
    local h = redis.call('HMGET', KEYS[i + 1], 'f', 'a', 'c', 's')
    out[#out + 1] = false
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
    out[#out + 1] = h[3]
    out[#out + 1] = h[4]
  else
    out[#out + 1] = o
    out[#out + 1] = false
    out[#out + 1] = false
    out[#out + 1] = false
    out[#out + 1] = false
  end
end
return out
