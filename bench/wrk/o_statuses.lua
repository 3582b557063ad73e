-- The overload drill's load (bench/overload.sh): GET of one path, given as
-- TARGET (env: path and query, percent-encoded), and a count of the answers
-- by status, printed by done() as one line that overload.sh parses:
--   STATUSES 200=.. 503=..
-- followed by common.lua's RESULT line.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local threads = {}
local path
function setup(thread)
   common.setup(thread)
   table.insert(threads, thread)
end
function init(args)
   path = common.prefix() .. assert(os.getenv("TARGET"), "o_statuses.lua: set TARGET")
   statuses = {}
end
function request() return wrk.format("GET", path) end
function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         total[status] = (total[status] or 0) + n
      end
   end
   local keys = {}
   for status in pairs(total) do table.insert(keys, status) end
   table.sort(keys)
   local parts = {}
   for _, status in ipairs(keys) do table.insert(parts, status .. "=" .. total[status]) end
   io.write("STATUSES " .. table.concat(parts, " ") .. "\n")
   common.done(summary, latency, requests)
end
