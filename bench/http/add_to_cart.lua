-- wrk script: each request sets one line on a cart of its own (ids from CARTS_FILE, split
-- between wrk's threads), for a random one of SKUS products named "<SKU_PREFIX><n>", reserving
-- one unit of stock there. Every answer must be 200; anything else is counted and printed.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  carts = {}
  local n = 0
  for id in io.lines(os.getenv("CARTS_FILE")) do
    if n % counter_total() == index then table.insert(carts, id) end
    n = n + 1
  end
  next_cart = 1
  skus = tonumber(os.getenv("SKUS"))
  prefix = os.getenv("SKU_PREFIX")
  failures = 0
  math.randomseed(os.time() + index)
end

function counter_total()
  return tonumber(os.getenv("WRK_THREADS"))
end

function request()
  local cart = carts[next_cart]
  next_cart = next_cart % #carts + 1
  local sku = prefix .. math.random(1, skus)
  return wrk.format("PUT", "/v1/carts/" .. cart .. "/items/" .. sku,
                    {["Content-Type"] = "application/json"}, '{"quantity":1}')
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    if failures <= 3 then io.stderr:write("unexpected ", status, ": ", body, "\n") end
  end
end
