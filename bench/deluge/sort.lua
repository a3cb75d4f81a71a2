-- List sorting: 300,000 pseudo-random whole numbers (the MINSTD generator).
local n = 300000
local iter = {}
for s in (string.rep(",", n - 1) .. ","):gmatch("([^,]*),") do iter[#iter + 1] = s end
local seed = 12345
local l = {}
for i = 0, #iter - 1 do
  seed = seed * 48271 % 2147483647
  l[#l + 1] = seed
end
local sorted = {}
for i = 1, #l do sorted[i] = l[i] end
table.sort(sorted)
print(sorted[1] .. " " .. sorted[n] .. " " .. #sorted)
