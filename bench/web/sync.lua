-- wrk script: each request is one simulated canvasser's phone sending a batch of 50 new contacts
-- (fresh UUIDs) for doors of the walk assigned to them, with their own session and CSRF token.
-- The canvassers (cookie, token, walk, doors) come from canvassers.lua, written by bench.py.
local canvassers = dofile(os.getenv("GG_CANVASSERS"))
local batch = 50
local counter = 0

-- UUID version 7, as the app makes them: milliseconds first (approximated here as seconds and a
-- counter, since wrk's Lua has no millisecond clock), then random bits.
local function uuid()
  local t = {}
  for i = 1, 10 do t[i] = math.random(0, 255) end
  t[1] = (t[1] % 16) + 112
  t[3] = (t[3] % 64) + 128
  local ms = os.time() * 1000 + (counter % 1000)
  return string.format("%08x-%04x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
    math.floor(ms / 65536), ms % 65536, t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10])
end

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed or os.time())
end

-- With GG_WARMUP=N, a thread's first N requests (one per connection) are health checks, so that
-- the paced run does not open with every phone syncing in the same instant.
local warmup = tonumber(os.getenv("GG_WARMUP") or "0")

function request()
  counter = counter + 1
  if counter <= warmup then
    return wrk.format("GET", "/api/v1/health")
  end
  local c = canvassers[(counter % #canvassers) + 1]
  local parts = {}
  for i = 1, batch do
    local d = c.doors[math.random(1, #c.doors)]
    parts[i] = string.format(
      '{"id":"%s","walk_id":%d,"household_id":%d,"elector_id":%d,"recorded_at":"2017-05-27T10:%02d:00Z","answers":{"voting_intention":"Lab","certainty":"4"}}',
      uuid(), c.walk, d[1], d[2], i % 60)
  end
  local body = '{"contacts":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/api/v1/sync", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = c.cookie,
    ["X-CSRF-Token"] = c.csrf,
  }, body)
end

-- With GG_DELAY_MS, each connection waits about that long between batches (a canvasser's phone
-- syncing now and then) instead of sending back to back: latency at a realistic load.
local pause = tonumber(os.getenv("GG_DELAY_MS") or "0")
if pause > 0 then
  function delay()
    return math.random(math.floor(pause / 2), math.floor(pause * 3 / 2))
  end
end
