-- wrk script of scripts/bench-inbox.sh: sends pre-signed requests, each with its own
-- event id. wrk's Lua cannot compute an HMAC, so the requests are signed beforehand: wrk
-- thread N reads DIR/requests-N.txt, one `<hex signature>\t<body>` per line, so threads
-- never share an id. A thread that runs out of lines stops and says so (the run is then
-- too short of requests to count: generate more).
--
--     wrk ... -s scripts/bench-inbox.lua URL -- DIR [SIGNATURE_HEADER]

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local dir = args[1]
  signature_header = args[2] or "x-webhook-signature"
  file = assert(io.open(dir .. "/requests-" .. index .. ".txt", "r"))
  ran_out = false
end

function request()
  local line = file:read("*l")
  if line == nil then
    -- Never repeat an id: stop, and send one request that is sure to fail (401), so the
    -- run shows it.
    ran_out = true
    wrk.thread:stop()
    return wrk.format("POST", "/webhook", { [signature_header] = "00" }, "{}")
  end
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", "/webhook", {
    ["content-type"] = "application/json",
    [signature_header] = line:sub(1, tab - 1),
  }, line:sub(tab + 1))
end

function done(summary, latency, requests)
  local ran_out_threads = 0
  for _, thread in ipairs(threads) do
    if thread:get("ran_out") then
      ran_out_threads = ran_out_threads + 1
    end
  end
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d rps=%.1f " ..
    "status_errors=%d socket_errors=%d ran_out=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.requests / (summary.duration / 1e6), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout, ran_out_threads))
end
