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

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
