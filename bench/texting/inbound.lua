-- wrk: replies arriving from the SMS provider at POST /api/v1/sms/inbound, each a signed form
-- (X-Twilio-Signature) worked out in advance by bench.py, one per line of GG_REPLIES as
-- "signature<TAB>body". Each connection waits GG_DELAY_MS between its requests, so that
-- connections x (1000 / delay) is the rate asked for. Prints the percentiles for bench.py.
local replies = {}
local next_reply = 1

function init(args)
  for line in io.lines(os.getenv("GG_REPLIES")) do
    local tab = line:find("\t", 1, true)
    replies[#replies + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
  -- Each thread starts at its own place in the list.
  next_reply = (tonumber(os.getenv("GG_THREAD_OFFSET") or "0") + math.random(#replies)) % #replies + 1
end

function delay()
  return tonumber(os.getenv("GG_DELAY_MS"))
end

function request()
  local r = replies[next_reply]
  next_reply = next_reply % #replies + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[1],
  }, r[2])
end

function done(summary, latency, requests)
  io.write(string.format("P50_MS %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("P99_MS %.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("REQUESTS %d\n", summary.requests))
  io.write(string.format("NON_2XX %d\n", (summary.errors.status or 0)))
  io.write(string.format("SOCKET_ERRORS %d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
