-- wrk script for bench/load.py: counts the answers by status and, for writes, sends a
-- fresh body per request and notes what each acknowledgement names.
--
-- wrk ... -s bench/wrk/load.lua URL -- METHOD CONTENT_TYPE BODY COOKIE RUN ACKED_FILE [PATH PAGES]
--   METHOD        GET or POST
--   CONTENT_TYPE  for POST, e.g. application/json ("" for GET)
--   BODY          for POST; every "{n}" becomes RUN-thread-counter, unique in the run
--   COOKIE        sent as the Cookie header ("" for none): a signed-in session, CSRF
--   ACKED_FILE    where to write what the server acknowledged ("" for nowhere): the new
--                 idea's id of a 201 (API) or the follow link of a redirect (form)
--   PATH          for GET, a path whose "{page}" becomes a page from 1 to PAGES chosen at
--                 random per request ("" for the URL's own path): pages nobody asked for
--                 a moment ago
-- At the end it prints one line "LOAD_COUNTS {json}" with the counts of all threads.

local threads = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  method = args[1] or "GET"
  content_type = args[2] or ""
  template = args[3] or ""
  cookie = args[4] or ""
  run = args[5] or "run"
  acked_file = args[6] or ""
  path_template = args[7] or ""
  pages = tonumber(args[8] or "1") or 1
  math.randomseed(os.time() + number)
  sent = 0
  s2xx, s3xx, s4xx, s429, s5xx = 0, 0, 0, 0, 0
  acked = {}
end

function request()
  sent = sent + 1
  local headers = {}
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  if method == "GET" then
    local path = nil
    if path_template ~= "" then
      path = path_template:gsub("{page}", tostring(math.random(1, pages)))
    end
    return wrk.format("GET", path, headers, nil)
  end
  headers["Content-Type"] = content_type
  local unique = run .. "-" .. number .. "-" .. sent
  local body = template:gsub("{n}", unique)
  return wrk.format(method, nil, headers, body)
end

function response(status, headers, body)
  if status >= 500 then
    s5xx = s5xx + 1
  elseif status == 429 then
    s429 = s429 + 1
  elseif status >= 400 then
    s4xx = s4xx + 1
  elseif status >= 300 then
    s3xx = s3xx + 1
    local location = headers["location"] or headers["Location"]
    if acked_file ~= "" and location and location:find("/follow/") then
      table.insert(acked, "follow " .. location)
    end
  else
    s2xx = s2xx + 1
    if acked_file ~= "" and status == 201 then
      local id = body:match('"id"%s*:%s*(%d+)')
      if id then
        table.insert(acked, "id " .. id)
      end
    end
  end
end

function done(summary, latency, requests)
  local totals = { s2xx = 0, s3xx = 0, s4xx = 0, s429 = 0, s5xx = 0 }
  local lines = {}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + (thread:get(key) or 0)
    end
    local list = thread:get("acked") or {}
    for _, line in ipairs(list) do
      table.insert(lines, line)
    end
  end
  if #lines > 0 then
    local path = threads[1]:get("acked_file")
    local out = io.open(path, "w")
    out:write(table.concat(lines, "\n") .. "\n")
    out:close()
  end
  io.write(string.format(
    'LOAD_COUNTS {"2xx": %d, "3xx": %d, "4xx": %d, "429": %d, "5xx": %d, "acked": %d}\n',
    totals.s2xx, totals.s3xx, totals.s4xx, totals.s429, totals.s5xx, #lines))
end
