-- wrk script: opens carts as fast as it can and appends their ids to the file named by the
-- CARTS_FILE environment variable (one per line), for add_to_cart.lua to use. With SERVED_BY
-- set, only the carts that node serves (X-Served-By) are kept.
local out = io.open(os.getenv("CARTS_FILE"), "a")
local served_by = os.getenv("SERVED_BY")

wrk.method = "POST"
wrk.path = "/v1/carts"
wrk.body = '{"currency":"EUR"}'
wrk.headers["Content-Type"] = "application/json"

function response(status, headers, body)
  if status == 201 then
    local id = body:match('"id":"([^"]+)"')
    local by = headers["X-Served-By"] or headers["x-served-by"]
    if id and (served_by == nil or by == served_by) then out:write(id, "\n") end
  end
end

function done()
  out:close()
end
