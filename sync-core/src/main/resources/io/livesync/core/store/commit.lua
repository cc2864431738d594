-- Commits mutations of one collection atomically, in order (RedisStore.commit). All keys share
-- the collection's hash tag.
-- KEYS: 1 seq  2 idx  3 live  4 tomb  5 meta  6 ops, then per mutation i (from 0):
--       7+2i rec  8+2i op
-- ARGV: 1 createdAt  2 opId TTL millis  3 epoch candidate  4 channel, then per mutation i
--       (from 0) at 5+11i: opId, fingerprint, expectedVersion, hasNext (1/0), newVersion,
--       deleted (1/0), updatedAt, record JSON (no seq), change JSON without its closing brace and
--       seq, ack JSON, id
-- Returns 5 entries per mutation: 'dup', fingerprint, ackJson, createdAt, seq or ''
--       | 'conflict', currentVersion, -, -, - | 'ok', seq (0 when only the outcome was stored), -, -, -
-- Each mutation is checked (opId known? version as expected?) before its writes, as separate
-- calls would be. Redis refuses a script at its first write when out of memory and lets a script
-- that has written finish, so an error never leaves half a batch.
local out = {}
local epoch = nil
local n = (#KEYS - 6) / 2
for i = 0, n - 1 do
  local rec, op, a = KEYS[7 + 2 * i], KEYS[8 + 2 * i], 5 + 11 * i
  local opId, id = ARGV[a], ARGV[a + 10]
  local prev = redis.call('HMGET', op, 'f', 'a', 'c', 's')
  if prev[1] then
    out[#out + 1] = 'dup'
    out[#out + 1] = prev[1]
    out[#out + 1] = prev[2]
    out[#out + 1] = prev[3] or '0'
    out[#out + 1] = prev[4] or ''
  else
    local seq = 0
    local conflict = nil
    local wasLive = false
    if ARGV[a + 3] == '1' then
      local current = redis.call('HMGET', rec, 'v', 'd')
      if tonumber(current[1] or '0') ~= tonumber(ARGV[a + 2]) then
        conflict = tonumber(current[1] or '0')
      end
      wasLive = current[1] and current[2] ~= '1'
    end
    if conflict then
      out[#out + 1] = 'conflict'
      out[#out + 1] = conflict
      out[#out + 1] = ''
      out[#out + 1] = ''
      out[#out + 1] = ''
    else
      if not epoch then
        redis.call('HSETNX', KEYS[5], 'epoch', ARGV[3])
        epoch = redis.call('HGET', KEYS[5], 'epoch')
      end
      if ARGV[a + 3] == '1' then
        local deleted, updatedAt = ARGV[a + 5], ARGV[a + 6]
        seq = redis.call('INCR', KEYS[1])
        redis.call('HSET', rec, 'v', ARGV[a + 4], 's', seq, 'u', updatedAt, 'd', deleted,
          'j', ARGV[a + 7])
        redis.call('ZADD', KEYS[2], seq, id)
        -- a record is in live (score 0) exactly while it exists undeleted, in tomb while it is
        -- a tombstone; calls that would change nothing are skipped
        if deleted == '1' then
          if wasLive then
            redis.call('ZREM', KEYS[3], id)
          end
          redis.call('ZADD', KEYS[4], updatedAt, id)
        elseif not wasLive then
          redis.call('ZADD', KEYS[3], 0, id)
          redis.call('ZREM', KEYS[4], id)
        end
        redis.call('HSET', op, 'f', ARGV[a + 1], 'a', ARGV[a + 9], 'c', ARGV[1], 's', seq)
      else
        redis.call('HSET', op, 'f', ARGV[a + 1], 'a', ARGV[a + 9], 'c', ARGV[1])
      end
      redis.call('PEXPIRE', op, ARGV[2])
      redis.call('ZADD', KEYS[6], ARGV[1], opId)
      if seq > 0 then
        redis.call('PUBLISH', ARGV[4],
          ARGV[a + 8] .. ',"seq":' .. string.format('%d', seq) .. ',"epoch":"' .. epoch .. '"}')
      end
      out[#out + 1] = 'ok'
      out[#out + 1] = seq
      out[#out + 1] = ''
      out[#out + 1] = ''
      out[#out + 1] = ''
    end
  end
end
return out
