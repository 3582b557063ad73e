-- (f) CQL2-filtered page of 100:
--   GET /collections/{c}/items?limit=100&filter-lang=cql2-text&filter=<FILTER>
-- FILTER (env) is the filter text, already percent-encoded (bench/run.sh
-- encodes it); each server gets its own spelling of the same logical filter
-- (the geometry property is `geometry` in the service and `geom` in tipg;
-- see bench/README.md, query f). FILTER_LANG (env) [cql2-text].
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local path
function setup(thread) common.setup(thread) end
function init(args)
   local filter = os.getenv("FILTER")
   assert(filter and filter ~= "", "f_cql2.lua: set FILTER to the percent-encoded filter")
   assert(not filter:find("[%s]"), "f_cql2.lua: FILTER must be percent-encoded (it has white space)")
   local lang = os.getenv("FILTER_LANG") or "cql2-text"
   path = common.items_path("limit=100&filter-lang=" .. lang .. "&filter=" .. filter)
end
function request() return wrk.format("GET", path) end
done = common.done
