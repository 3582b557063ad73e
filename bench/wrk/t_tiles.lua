-- Tiles: each connection walks the paths in TILES (a file, one path per
-- line, relative to the URL given to wrk), from its own start, round-robin.
--   TILES=bench/out/.../z14.txt wrk -s bench/wrk/t_tiles.lua http://127.0.0.1:8090
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local paths = {}
local i = 0

function setup(thread) common.setup(thread) end

function init(args)
   for line in io.lines(os.getenv("TILES")) do
      if line ~= "" then paths[#paths + 1] = common.prefix() .. line end
   end
   -- Each thread starts elsewhere in the list.
   i = (thread_no or 1) * 7919
end

function request()
   i = i + 1
   return wrk.format("GET", paths[(i % #paths) + 1], {["Accept-Encoding"] = "gzip"})
end

done = common.done
