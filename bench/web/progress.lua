-- wrk script: dashboards reading the live progress, each with its own organiser session (the
-- cookies come from dashboards.lua, written by writers.py).
local dashboards = dofile(os.getenv("GG_DASHBOARDS"))
local counter = 0

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/progress", { ["Cookie"] = dashboards[(counter % #dashboards) + 1] })
end
