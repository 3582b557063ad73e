-- (a) Drammen bbox, first page of 100.
--   GET /collections/{c}/items?bbox=10.10,59.70,10.30,59.80&limit=100
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local path
function setup(thread) common.setup(thread) end
function init(args) path = common.items_path("bbox=10.10,59.70,10.30,59.80&limit=100") end
function request() return wrk.format("GET", path) end
done = common.done
