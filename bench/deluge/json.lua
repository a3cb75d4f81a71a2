-- JSON encode and decode of nested maps: 2,000 records, 10 round trips. Lua has no JSON in its
-- standard library, so the encoder and decoder are written here in plain Lua.
local function encode(v, out)
  local t = type(v)
  if t == "table" then
    if v[1] ~= nil or next(v) == nil and getmetatable(v) == "array" then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        encode(v[i], out)
      end
      out[#out + 1] = "]"
    else
      out[#out + 1] = "{"
      local first = true
      for k, x in pairs(v) do
        if not first then out[#out + 1] = "," end
        first = false
        encode(k, out)
        out[#out + 1] = ":"
        encode(x, out)
      end
      out[#out + 1] = "}"
    end
  elseif t == "string" then
    out[#out + 1] = '"' .. v:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
    end) .. '"'
  elseif t == "number" or t == "boolean" then
    out[#out + 1] = tostring(v)
  else
    out[#out + 1] = "null"
  end
end

local decode_value
local function skip(s, i) return s:find("[^ \t\r\n]", i) or #s + 1 end
local function decode_string(s, i)
  local j = i + 1
  local parts = {}
  while true do
    local k = s:find('["\\]', j)
    parts[#parts + 1] = s:sub(j, k - 1)
    if s:sub(k, k) == '"' then return table.concat(parts), k + 1 end
    local e = s:sub(k + 1, k + 1)
    if e == "u" then
      parts[#parts + 1] = utf8.char(tonumber(s:sub(k + 2, k + 5), 16))
      j = k + 6
    else
      local map = {n = "\n", t = "\t", r = "\r", b = "\b", f = "\f"}
      parts[#parts + 1] = map[e] or e
      j = k + 2
    end
  end
end
decode_value = function(s, i)
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local obj = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "}" then return obj, i + 1 end
    while true do
      local k
      k, i = decode_string(s, skip(s, i))
      i = skip(s, i) + 1  -- ':'
      obj[k], i = decode_value(s, i)
      i = skip(s, i)
      local d = s:sub(i, i)
      i = i + 1
      if d == "}" then return obj, i end
    end
  elseif c == "[" then
    local arr = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "]" then return arr, i + 1 end
    while true do
      arr[#arr + 1], i = decode_value(s, i)
      i = skip(s, i)
      local d = s:sub(i, i)
      i = i + 1
      if d == "]" then return arr, i end
    end
  elseif c == '"' then
    return decode_string(s, i)
  elseif c == "t" then return true, i + 4
  elseif c == "f" then return false, i + 5
  elseif c == "n" then return nil, i + 4
  else
    local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    return tonumber(num), i + #num
  end
end

local n = 2000
local iter = {}
for s in (string.rep(",", n - 1) .. ","):gmatch("([^,]*),") do iter[#iter + 1] = s end
local records = {}
for i = 0, #iter - 1 do
  records[#records + 1] = {id = i, name = "Customer " .. i, email = "user" .. i .. "@example.com",
                           active = i % 2 == 0, score = i * 1.5, tags = {"alpha", "beta", "gamma"},
                           address = {city = "Chennai", zip = 600000 + i}}
end
local doc = {records = records, count = n}
local rounds = {}
for s in (string.rep(",", 9) .. ","):gmatch("([^,]*),") do rounds[#rounds + 1] = s end
local total = 0
for _ = 1, #rounds do
  local out = {}
  encode(doc, out)
  local text = table.concat(out)
  local back = decode_value(text, 1)
  total = total + #back.records
end
print(total)
