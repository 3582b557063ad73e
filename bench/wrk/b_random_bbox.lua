-- (b) Random small bboxes, first page of 100.
--   GET /collections/{c}/items?bbox=W,S,E,N&limit=100
-- Boxes of 0.02° x 0.01° (about 1.1 km x 1.1 km at 60° N), lower-left corner
-- uniform in the data extent lon 5.0–12.48, lat 58.0–61.99. Deterministic:
-- each wrk thread draws from its own sequence seeded with SEED (env,
-- default 42) + thread number, so the same run issues the same boxes in
-- the same order (a longer run issues more of them).
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local seed = tonumber(os.getenv("SEED") or "42")
function setup(thread) common.setup(thread) end
function init(args)
   math.randomseed(seed + (thread_no or 0))
end
function request()
   local w = 5.0 + math.random(0, 748000) / 100000
   local s = 58.0 + math.random(0, 399000) / 100000
   local q = string.format("bbox=%.5f,%.5f,%.5f,%.5f&limit=100", w, s, w + 0.02, s + 0.01)
   return wrk.format("GET", common.items_path(q))
end
done = common.done
