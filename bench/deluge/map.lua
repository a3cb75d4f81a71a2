-- A map of 100,000 text keys: insert, then look every key up.
local n = 100000
local iter = {}
for s in (string.rep(",", n - 1) .. ","):gmatch("([^,]*),") do iter[#iter + 1] = s end
local m = {}
local size = 0
for i = 0, #iter - 1 do
  local k = "key" .. i
  if m[k] == nil then size = size + 1 end
  m[k] = i
end
local total = 0
for i = 0, #iter - 1 do
  total = total + m["key" .. i]
end
print(size .. " " .. total)
