-- wrk script: send DEPTH requests back to back on every connection (HTTP/1.1 pipelining).
local depth = tonumber(os.getenv("DEPTH") or "10")
init = function(args)
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/")
  end
  req = table.concat(r)
end
request = function()
  return req
end
