-- wrk script for the weft benchmark (run.ts passes options after `--` as key=value):
--   pipeline=N   send N requests per write, back to back (HTTP/1.1 pipelining, RFC 9112 §9.3.2)
--   method=M     request method (default GET)
--   body=N       request body of N bytes (sent with Content-Length)
-- At the end it prints one line `WRK_JSON {...}` that run.ts parses (latencies in microseconds).

local request_bytes

function init(args)
  local opts = { pipeline = "1", method = "GET", body = "0" }
  for _, arg in ipairs(args) do
    local key, value = arg:match("^(%w+)=(.*)$")
    if key then opts[key] = value end
  end
  local body = nil
  local headers = {}
  local body_bytes = tonumber(opts.body)
  if body_bytes > 0 then
    body = string.rep("w", body_bytes)
    headers["Content-Type"] = "application/octet-stream"
  end
  -- wrk.format adds Host and, with a body, Content-Length.
  local one = wrk.format(opts.method, wrk.path, headers, body)
  request_bytes = string.rep(one, tonumber(opts.pipeline))
end

function request()
  return request_bytes
end

-- Latency percentiles. wrk's latency:percentile(p) walks its histogram up from the smallest recorded
-- latency until p% of `count` samples are seen; but wrk's coordinated-omission correction (run before
-- done) adds samples below that minimum, which the walk never sees, so high percentiles can read 0
-- (wrk issues #236, #354). When that happens, find by bisection which share of the samples the walk can
-- see (the largest p that still reads non-zero) and ask for p of that share instead. Each call is one C
-- walk over at most max-min µs buckets, so this costs milliseconds, not seconds.
local function percentile(latency, p)
  local value = latency:percentile(p)
  if value > 0 or latency.max == 0 then return value end
  local lo, hi = 0, p -- percentile(lo) > 0 or lo == 0; percentile(hi) == 0
  for _ = 1, 40 do
    local mid = (lo + hi) / 2
    if latency:percentile(mid) > 0 then lo = mid else hi = mid end
  end
  if lo == 0 then return latency.max end
  return latency:percentile(p * lo / 100)
end

function done(summary, latency, requests)
  local e = summary.errors
  local p = { percentile(latency, 50), percentile(latency, 90), percentile(latency, 99) }
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, p[1], p[2], p[3], latency.max))
end
