-- Arithmetic in a loop: 10,000,000 iterations of a small expression, over the same two
-- iteration lists the Deluge version builds.
local function split(n)
  local l = {}
  for s in (string.rep(",", n - 1) .. ","):gmatch("([^,]*),") do l[#l + 1] = s end
  return l
end
local outer = split(10000)
local inner = split(1000)
local sum = 0
for j = 0, #outer - 1 do
  for i = 0, #inner - 1 do
    sum = (sum + i * 7 % 13 + j) % 1000003
  end
end
print(sum)
