-- (d) Property-filtered page:
--   GET /collections/{c}/items?status=available&land_use=1340&limit=100
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local path
function setup(thread) common.setup(thread) end
function init(args) path = common.items_path("status=available&land_use=1340&limit=100") end
function request() return wrk.format("GET", path) end
done = common.done
