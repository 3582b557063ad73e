-- (g) The plain Drammen bbox page of 100, in the CRS given by CRS (env):
--   GET /collections/{c}/items?bbox=10.15,59.70,10.30,59.78&limit=100[&crs=<CRS>]
-- CRS is a percent-encoded CRS URI, e.g. http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F25832;
-- empty or unset = no crs parameter (CRS84, the default). bench/run.sh runs
-- it twice against the service, CRS84 and EPSG:25832, side by side.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local path
function setup(thread) common.setup(thread) end
function init(args)
   local q = "bbox=10.15,59.70,10.30,59.78&limit=100"
   local crs = os.getenv("CRS") or ""
   if crs ~= "" then q = q .. "&crs=" .. crs end
   path = common.items_path(q)
end
function request() return wrk.format("GET", path) end
done = common.done
