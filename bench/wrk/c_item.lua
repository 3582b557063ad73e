-- (c) A single plot by id: GET /collections/{c}/items/{id}
-- Ids come from the file IDS (env; one uuid a line), written by
-- bench/run.sh (out/<run>/ids.txt) as a deterministic sample of 1000 open
-- plots. Each thread walks the list in order from its own offset, wrapping
-- around.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local ids, i = {}, 0
function setup(thread) common.setup(thread) end
function init(args)
   local file = os.getenv("IDS") or error("c_item.lua: set IDS to the file of ids")
   for line in io.lines(file) do
      if line:match("%S") then ids[#ids + 1] = line:match("^%s*(.-)%s*$") end
   end
   assert(#ids > 0, "c_item.lua: no ids in " .. file)
   i = ((thread_no or 1) - 1) * 997 % #ids
end
function request()
   i = i % #ids + 1
   return wrk.format("GET", common.item_path(ids[i]))
end
done = common.done
