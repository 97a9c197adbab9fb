-- wrk script: dashboards reading the live progress, each with its own organiser session (the
-- cookies come from dashboards.lua, written by writers.py). With GG_DELAY_MS, each connection
-- waits about that long between reads (the overview page itself refreshes every 10 s) instead of
-- reading back to back.
local dashboards = dofile(os.getenv("GG_DASHBOARDS"))
local counter = 0

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/progress", { ["Cookie"] = dashboards[(counter % #dashboards) + 1] })
end

local pause = tonumber(os.getenv("GG_DELAY_MS") or "0")
if pause > 0 then
  function delay()
    return math.random(math.floor(pause / 2), math.floor(pause * 3 / 2))
  end
end
