-- wrk script: GET /v1/products/search over the catalog scripts/bench search writes (names
-- "<adjective> <noun> <n>"). MODE=hits: one of 50 fixed two-word queries, cached after their
-- first request. MODE=misses: a random noun prefix and page (the node then runs without Redis,
-- so every request is answered from PostgreSQL). Any answer but 200 is counted by wrk.
local adjectives = {"red", "blue", "green", "black", "white", "small", "large", "steel", "wooden", "glass",
                    "golden", "silver", "soft", "heavy", "light", "round", "square", "vintage", "modern", "classic"}
local nouns = {"mug", "lamp", "chair", "table", "kettle", "teapot", "vase", "bowl", "plate", "spoon",
               "knife", "fork", "glass", "bottle", "basket", "candle", "clock", "mirror", "pillow", "blanket",
               "towel", "rug", "shelf", "stool", "bench", "desk", "frame", "hook", "jar", "tray",
               "pan", "pot", "grater", "whisk", "ladle", "sieve", "board", "scale", "timer", "brush",
               "bucket", "crate", "box", "bin", "rack", "stand", "holder", "cushion", "throw", "planter"}

function init(args)
  math.randomseed(os.time())
  mode = os.getenv("MODE")
end

function request()
  local q
  if mode == "hits" then
    local i = math.random(50)
    q = "q=" .. adjectives[(i % 20) + 1] .. "%20" .. nouns[i]
  else
    local noun = nouns[math.random(#nouns)]
    q = "q=" .. noun:sub(1, math.random(2, #noun)) .. "&page=" .. math.random(1, 10)
  end
  return wrk.format("GET", "/v1/products/search?" .. q)
end
