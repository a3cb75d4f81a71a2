-- Text building: append 300,000 pieces to one text (a buffer table, as Lua programmers do).
local n = 300000
local iter = {}
for s in (string.rep(",", n - 1) .. ","):gmatch("([^,]*),") do iter[#iter + 1] = s end
local parts = {}
for i = 0, #iter - 1 do
  parts[#parts + 1] = "item" .. i .. ";"
end
local s = table.concat(parts)
print(#s)
