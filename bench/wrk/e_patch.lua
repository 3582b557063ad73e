-- (e) Single-plot PATCH, each wrk thread on its own plots:
--   PATCH /collections/{c}/items/{id}
--   Content-Type: application/merge-patch+json
--   Authorization: Bearer $NAERINGSAREAL_KEY
--   If-Match: "<uuid without dashes>-<version>"
--   {"properties":{"price_nok_per_m2":<1000 + version>}}
--
-- Environment: NAERINGSAREAL_KEY (a planner key), IDS_FILE (one plot a line:
-- "<uuid>" or "<uuid> <version>"; version defaults to 1, that of a freshly
-- loaded plot; bench/patch.sh writes the current versions), THREADS (the
-- -t given to wrk [8]), COLLECTION [plots].
--
-- Run with as many connections as threads (wrk -t8 -c8): thread k (1..T)
-- owns lines k, k+T, k+2T, ... of IDS_FILE and walks them round-robin, and
-- with one connection per thread it has one request in flight at a time, so
-- no two requests ever touch the same plot and every If-Match is current.
-- (wrk's response() is not told which request it answers: with more than
-- one connection per thread this script would mix plots up.)
--
-- Each successful PATCH answers 200 with the plot's new ETag, which the
-- next PATCH of that plot sends. The price written is 1000 + the version
-- being replaced, so every PATCH changes the plot (the previous one wrote
-- 1000 + version - 1; generated prices are multiples of 10, and 1001 is not).
-- A non-200 answer carrying an ETag of the plot continues from that ETag;
-- without one, the plot's state is unknown and it is dropped from the
-- rotation (counted as "dropped").
--
-- done() prints common.lua's RESULT line, then
--   PATCH ok=.. non200=.. statuses=<code>:<n>,.. resent=.. dropped=.. missing_etag=.. threads=..
-- A clean run has non200=0, dropped=0, missing_etag=0 and resent=1 (wrk
-- builds one request at start-up to check the script, and never sends it).
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local common = dofile(here .. "common.lua")

local nthreads = tonumber(os.getenv("THREADS") or "8")

-- Main state: the thread objects, to collect their counters in done().
local all_threads = {}
function setup(thread)
   common.setup(thread)
   all_threads[#all_threads + 1] = thread
end

-- Per thread (globals, so that done() can read them with thread:get).
ok, non200, resent, dropped, missing_etag = 0, 0, 0, 0, 0
statuses = {}

local key
local plots = {}    -- { id, tag (uuid without dashes), version, path, live }
local i = 0         -- index of the plot last sent
local inflight = false

function init(args)
   key = os.getenv("NAERINGSAREAL_KEY")
   assert(key and key ~= "", "e_patch.lua: set NAERINGSAREAL_KEY to a planner key")
   local file = os.getenv("IDS_FILE") or error("e_patch.lua: set IDS_FILE to the file of plot ids")
   local k = thread_no or 1
   assert(k <= nthreads, "e_patch.lua: more wrk threads than THREADS=" .. nthreads)
   local line_no = 0
   for line in io.lines(file) do
      local id, version = line:match("^%s*([%x-]+)%s*(%d*)%s*$")
      if id and #id == 36 then
         line_no = line_no + 1
         if (line_no - k) % nthreads == 0 then
            plots[#plots + 1] = {
               id = id,
               tag = id:gsub("-", ""):lower(),
               version = tonumber(version) or 1,
               path = common.item_path(id),
               live = true,
            }
         end
      end
   end
   assert(#plots > 0, "e_patch.lua: thread " .. k .. " has no plots in " .. file)
end

function request()
   if inflight then
      -- request() again before the answer to the last one: wrk's start-up
      -- check (it builds one request it never sends) or a broken connection.
      -- Send the same PATCH again: if the first one did land, the repeat gets
      -- 412 and its ETag, if any, puts the plot right.
      resent = resent + 1
   else
      for _ = 1, #plots do
         i = i % #plots + 1
         if plots[i].live then break end
      end
   end
   inflight = true
   local p = plots[i]
   return wrk.format("PATCH", p.path, {
      ["Content-Type"] = "application/merge-patch+json",
      ["Authorization"] = "Bearer " .. key,
      ["If-Match"] = string.format('"%s-%d"', p.tag, p.version),
   }, string.format('{"properties":{"price_nok_per_m2":%d}}', 1000 + p.version))
end

local function etag_version(headers, tag)
   for name, value in pairs(headers) do
      if name:lower() == "etag" then
         local t, v = value:match('^W?/?"(%x+)%-(%d+)"$')
         if t and t:lower() == tag then return tonumber(v) end
         return nil
      end
   end
   return nil
end

function response(status, headers, body)
   inflight = false
   local p = plots[i]
   local v = etag_version(headers, p.tag)
   if status == 200 then
      ok = ok + 1
      if v then
         p.version = v
      else
         missing_etag = missing_etag + 1
         p.version = p.version + 1
      end
   else
      non200 = non200 + 1
      local s = tostring(status)
      statuses[s] = (statuses[s] or 0) + 1
      if v then
         p.version = v
      elseif p.live then
         p.live = false
         dropped = dropped + 1
      end
   end
end

function done(summary, latency, requests)
   common.done(summary, latency, requests)
   local t_ok, t_non200, t_resent, t_dropped, t_missing = 0, 0, 0, 0, 0
   local by_status = {}
   for _, thread in ipairs(all_threads) do
      t_ok = t_ok + (thread:get("ok") or 0)
      t_non200 = t_non200 + (thread:get("non200") or 0)
      t_resent = t_resent + (thread:get("resent") or 0)
      t_dropped = t_dropped + (thread:get("dropped") or 0)
      t_missing = t_missing + (thread:get("missing_etag") or 0)
      for s, n in pairs(thread:get("statuses") or {}) do
         by_status[s] = (by_status[s] or 0) + n
      end
   end
   local codes = {}
   for s in pairs(by_status) do codes[#codes + 1] = s end
   table.sort(codes)
   local parts = {}
   for _, s in ipairs(codes) do parts[#parts + 1] = s .. ":" .. by_status[s] end
   io.write(string.format(
      "PATCH ok=%d non200=%d statuses=%s resent=%d dropped=%d missing_etag=%d threads=%d\n",
      t_ok, t_non200, #parts > 0 and table.concat(parts, ",") or "-",
      t_resent, t_dropped, t_missing, #all_threads))
   if #all_threads ~= nthreads then
      io.write(string.format("WARNING: wrk ran %d threads but THREADS=%d: the threads' plots were not split as intended\n",
         #all_threads, nthreads))
   end
end
