-- wrk script for bench/nodes/run.sh: POST one Contacts record per request, as single REST writes
-- do. Any answer but 201 is printed (the script greps for "answer").
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local sent = 0
local tag = tostring(math.random(1000000))

request = function()
  sent = sent + 1
  local id = tag .. "-" .. sent
  return wrk.format(nil, nil, nil,
    '{"data":[{"Last_Name":"Contact ' .. id .. '","Email":"c' .. id .. '@example.com"}]}')
end

response = function(status)
  if status ~= 201 then print("answer " .. status) end
end
