-- Commits mutations of one collection atomically, in order (RedisStore.commit). All keys share
-- the collection's hash tag.
-- KEYS: 1 seq  2 idx  3 live  4 tomb  5 meta, then per mutation i (from 0): 6+2i rec  7+2i op
-- ARGV: 1 createdAt  2 opId TTL millis  3 epoch candidate  4 channel  5 witness epoch ('' for
--       none)  6 witness seq, then per mutation i (from 0) at 7+9i: outcome tail
--       (RedisCodec.outcomeTail: fingerprint and ack JSON), expectedVersion, hasNext (1/0),
--       newVersion, deleted (1/0), updatedAt, record JSON (no seq), change JSON without its
--       closing brace and seq, id
-- Returns 5 entries per mutation: 'dup', stored outcome string, -, -, -
--       | 'duph' (an outcome stored as a hash by an earlier version), fingerprint, ackJson,
--         createdAt, seq or ''
--       | 'conflict', currentVersion, -, -, - | 'ok', seq (0 when only the outcome was stored), -, -, -
--       then 3 more: the epoch the changes were committed in ('' when none was), the last seq
--       assigned (0 when none was), and the seq found when the witness showed a lost tail (''
--       when it did not)
-- The witness is the highest (epoch, seq) the calling process has committed to this
-- collection. A seq below it in the same epoch means Redis lost acknowledged writes (a restart
-- without them, e.g. appendfsync everysec or a restored snapshot): the history is then given a
-- new epoch, so that every client resets instead of keeping the lost changes, and the seq goes
-- on from the witness, so that no seq is used twice.
-- The outcome is one string 'createdAt:seq:tail' with a TTL (SET PX): one key, no index;
-- purgeOps finds outcomes by SCAN. Earlier versions stored a hash (f, a, c, s) indexed in the
-- ops zset; those are still read (a GET on a hash fails, then HMGET) until they expire.
-- The changes are published after all writes of the call, still inside the script (atomic
-- with the commit).
-- Each mutation is checked (opId known? version as expected?) before its writes, as separate
-- calls would be. Redis refuses a script at its first write when out of memory and lets a script
-- that has written finish, so an error never leaves half a batch.
local out = {}
-- one answer: its kind and four values ('' where the kind has fewer)
local function answer(kind, a, b, c, d)
  out[#out + 1] = kind
  out[#out + 1] = a
  out[#out + 1] = b or ''
  out[#out + 1] = c or ''
  out[#out + 1] = d or ''
end
local epoch = nil
local witnessEpoch, witnessSeq = ARGV[5], tonumber(ARGV[6])
local lastSeq = 0
local lostAt = ''
local published = {}
local n = (#KEYS - 5) / 2
for i = 0, n - 1 do
  local rec, op, a = KEYS[6 + 2 * i], KEYS[7 + 2 * i], 7 + 9 * i
  local prev = redis.pcall('GET', op)
  if type(prev) == 'table' then
    local h = redis.call('HMGET', op, 'f', 'a', 'c', 's')
    answer('duph', h[1], h[2], h[3] or '0', h[4])
  elseif prev then
    answer('dup', prev)
  else
    local seq = 0
    local conflict = nil
    local wasLive = false
    local changes = ARGV[a + 2] == '1'
    if changes then
      local current = redis.call('HMGET', rec, 'v', 'd')
      if tonumber(current[1] or '0') ~= tonumber(ARGV[a + 1]) then
        conflict = tonumber(current[1] or '0')
      end
      wasLive = current[1] and current[2] ~= '1'
    end
    if conflict then
      answer('conflict', conflict)
    else
      if changes then
        if not epoch then
          redis.call('HSETNX', KEYS[5], 'epoch', ARGV[3])
          epoch = redis.call('HGET', KEYS[5], 'epoch')
        end
        local id, deleted, updatedAt = ARGV[a + 8], ARGV[a + 4], ARGV[a + 5]
        seq = redis.call('INCR', KEYS[1])
        if seq <= witnessSeq and epoch == witnessEpoch then
          -- Redis lost seqs this caller committed: a new history, going on after the witness
          -- (only the call's first INCR can get here: the ones after are above the witness)
          lostAt = string.format('%d', seq - 1)
          epoch = ARGV[3]
          redis.call('HSET', KEYS[5], 'epoch', epoch)
          seq = witnessSeq + 1
          redis.call('SET', KEYS[1], seq)
        end
        lastSeq = seq
        redis.call('HSET', rec, 'v', ARGV[a + 3], 's', seq, 'u', updatedAt, 'd', deleted,
          'j', ARGV[a + 6])
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
        local s = string.format('%d', seq)
        redis.call('SET', op, ARGV[1] .. ':' .. s .. ':' .. ARGV[a], 'PX', ARGV[2])
        published[#published + 1] = ARGV[a + 7] .. ',"seq":' .. s .. ',"epoch":"' .. epoch .. '"}'
      else
        redis.call('SET', op, ARGV[1] .. '::' .. ARGV[a], 'PX', ARGV[2])
      end
      answer('ok', seq)
    end
  end
end
-- the changes of this call go out in one message, in seq order: the change object when there is
-- one, else a JSON array of them (RedisChangeFeed reads both)
if #published == 1 then
  redis.call('PUBLISH', ARGV[4], published[1])
elseif #published > 1 then
  redis.call('PUBLISH', ARGV[4], '[' .. table.concat(published, ',') .. ']')
end
out[#out + 1] = epoch or ''
out[#out + 1] = lastSeq
out[#out + 1] = lostAt
return out
