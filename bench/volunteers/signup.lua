-- wrk: public sign-ups, each with an email of its own (thread and request numbers), to the demo
-- campaign's session.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  campaign = os.getenv("GG_CAMPAIGN")
  session = os.getenv("GG_SESSION")
end

function request()
  counter = counter + 1
  local body = string.format('{"name":"Surge Volunteer","email":"surge.%d.%d@volunteer.example","postcode":"DE22 1DX","consent_email":true,"campaign":"%s","session_id":%s}', id, counter, campaign, session)
  return wrk.format("POST", "/api/v1/signups", { ["Content-Type"] = "application/json" }, body)
end

accepted = 0
function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("accepted") end
  io.write(string.format("ACCEPTED %d\n", total))
  io.write(string.format("P99_MS %.1f\n", latency:percentile(99) / 1000))
  io.write(string.format("P50_MS %.1f\n", latency:percentile(50) / 1000))
end
