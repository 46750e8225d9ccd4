-- wrk script for bench/load.ts: sends the requests listed in the file named by WRK_REQUESTS, one
-- a line: a path alone for a GET, or a path, a tab and a JSON body for a POST. Thread n of N
-- sends lines n, n+N, n+2N... so no line goes out twice; with WRK_WRAP=1 it starts over at the
-- end of the list, else it sends the last line again (the bench then reports that it ran out).
-- done() prints the highest line index sent, so the next run can start after it.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths, bodies = {}, {}
  for line in io.lines(os.getenv("WRK_REQUESTS")) do
    local path, body = line:match("^([^\t]*)\t?(.*)$")
    paths[#paths + 1] = path
    bodies[#bodies + 1] = body
  end
  total = #paths
  step = tonumber(os.getenv("WRK_THREADS"))
  wrap = os.getenv("WRK_WRAP") == "1"
  index = id
  last = -1
  local auth = os.getenv("WRK_AUTH")
  get_headers, post_headers = {}, { ["content-type"] = "application/json" }
  if auth ~= nil and auth ~= "" then
    get_headers["authorization"] = auth
    post_headers["authorization"] = auth
  end
end

function request()
  local i = index
  if i >= #paths then
    if not wrap then i = #paths - 1 else i = i % #paths end
  end
  index = index + step
  if i > last then last = i end
  local body = bodies[i + 1]
  if body == "" then return wrk.format("GET", paths[i + 1], get_headers) end
  return wrk.format("POST", paths[i + 1], post_headers, body)
end

function done(summary, latency, requests)
  local highest, total = -1, threads[1]:get("total")
  for _, t in ipairs(threads) do
    local l = t:get("last")
    if l > highest then highest = l end
  end
  io.write(string.format("LAST_INDEX %d OF %d\n", highest, total))
end
