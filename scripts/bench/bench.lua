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

-- Percentiles over wrk's whole latency histogram (`latency[i + 1]` = requests that took i µs).
-- wrk's own latency:percentile() scans only from the smallest recorded value, but its coordinated-
-- omission correction adds samples below it, so it can return 0 (wrk issues #236, #354); scanning
-- from 0 fixes that. The correction itself stays: these percentiles include it, as wrk's do.
local function percentiles(latency, wanted)
  local top = latency.max
  local total = 0
  for i = 0, top do total = total + latency[i + 1] end
  local out, k, seen = {}, 1, 0
  for i = 0, top do
    seen = seen + latency[i + 1]
    while k <= #wanted and seen >= math.ceil(wanted[k] / 100 * total) and total > 0 do
      out[k] = i
      k = k + 1
    end
    if k > #wanted then break end
  end
  for j = k, #wanted do out[j] = top end
  return out
end

function done(summary, latency, requests)
  local e = summary.errors
  local p = percentiles(latency, { 50, 90, 99 })
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, p[1], p[2], p[3], latency.max))
end
