-- Shared by the wrk scripts in this folder (loaded with dofile).
--
-- Paths are built as <prefix>/collections/<COLLECTION>/items..., where
-- <prefix> is the path of the URL given to wrk (so a server mounted under a
-- sub-path works) and COLLECTION comes from the environment ("plots" for
-- Næringsareal, "public.plots" for tipg).
--
-- done() prints one machine-readable line that bench/run.sh parses:
--   RESULT requests=.. duration_s=.. rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. errors=.. non2xx=..
-- (wrk's own --latency table is printed as well.)

local M = {}

M.collection = os.getenv("COLLECTION") or "plots"

function M.prefix()
   local p = wrk.path or "/"
   p = p:gsub("/+$", "")
   return p
end

function M.items_path(query)
   local path = M.prefix() .. "/collections/" .. M.collection .. "/items"
   if query and query ~= "" then path = path .. "?" .. query end
   return path
end

function M.item_path(id)
   return M.prefix() .. "/collections/" .. M.collection .. "/items/" .. id
end

-- Give each wrk thread a number, so that scripts can seed per thread.
local next_thread = 0
function M.setup(thread)
   next_thread = next_thread + 1
   thread:set("thread_no", next_thread)
end

function M.done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.timeout
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d non2xx=%d bytes=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      errors, e.status, summary.bytes))
end

return M
