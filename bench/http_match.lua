-- http_match.lua -- wrk script: GET /v1/match for the origins of a vwload
-- queries file (pc4,lat,lon,discipline,expertise,minutes,km,k), the same
-- queries bench/vwload sends over msgpack, in order, one list per thread.
--   wrk -t2 -c50 -d10s -s bench/http_match.lua http://127.0.0.1:PORT -- QUERIES [PIPELINE]
local reqs, depth = {}, 1

function init(args)
  local path = args[1] or "queries.txt"
  depth = tonumber(args[2] or "1")
  for line in io.lines(path) do
    local f = {}
    for x in string.gmatch(line, "([^,]+)") do f[#f + 1] = x end
    if #f >= 8 then
      reqs[#reqs + 1] = wrk.format("GET", string.format(
        "/v1/match?near=%04d&discipline=%s&expertise=%s&within=%s&limit=%s",
        tonumber(f[1]), f[4], f[5], f[6], f[8]))
    end
  end
  if #reqs == 0 then error("no queries in " .. path) end
end

local i = 0
function request()
  local out = {}
  for _ = 1, depth do
    i = i % #reqs + 1
    out[#out + 1] = reqs[i]
  end
  return table.concat(out)
end

-- No response() callback: with one, wrk collects every answer's headers and
-- calls into Lua for each (~3.5 us of client CPU per answer on the 2-core
-- machine, taken from the daemon it measures). wrk itself counts answers that
-- are not 2xx/3xx ("Non-2xx or 3xx responses") and socket errors; bench/http.sh
-- fails the run on either.
