-- wrk script: opens carts as fast as it can and appends their ids to the file named by the
-- CARTS_FILE environment variable (one per line), for add_to_cart.lua to use.
local out = io.open(os.getenv("CARTS_FILE"), "a")

wrk.method = "POST"
wrk.path = "/v1/carts"
wrk.body = '{"currency":"EUR"}'
wrk.headers["Content-Type"] = "application/json"

function response(status, headers, body)
  if status == 201 then
    local id = body:match('"id":"([^"]+)"')
    if id then out:write(id, "\n") end
  end
end

function done()
  out:close()
end
