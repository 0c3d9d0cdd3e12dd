-- wrk: the holds of the API — a hold of 0.5 credits on an account drawn at random from
-- TALLY_BENCH_ACCOUNTS (as in charge.lua), then, by the thread's next request, its
-- capture of 0.3 with the rest released. Every request has a fresh Idempotency-Key. A
-- hold's reference names its account, so its capture goes to the same one.
local accounts = {}
local prefix = ""
local counter = 0
local held = {}

function init(args)
    for line in io.lines(os.getenv("TALLY_BENCH_ACCOUNTS")) do
        local id, key = line:match("^(%S+) (%S+)$")
        if id then
            accounts[#accounts + 1] = { path = "/v1/accounts/" .. id .. "/holds", auth = "Bearer " .. key }
        end
    end
    prefix = tostring({}):gsub("table: ", "") .. "-" .. os.time() .. "-"
    math.randomseed(os.time() + #prefix)
end

function request()
    counter = counter + 1
    local headers = { ["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. counter }
    local last = table.remove(held)
    if last then
        local account = accounts[last.account]
        headers["Authorization"] = account.auth
        return wrk.format("POST", account.path .. "/" .. last.id .. "/capture", headers, '{"credits":"0.3"}')
    end
    local index = math.random(#accounts)
    local account = accounts[index]
    headers["Authorization"] = account.auth
    return wrk.format("POST", account.path, headers, '{"feature":"render","credits":"0.5","reference":"' .. index .. '"}')
end

function response(status, headers, body)
    if status == 201 then
        local id = body:match('"id":"([^"]+)"')
        local reference = body:match('"reference":"(%d+)"')
        if id and reference then held[#held + 1] = { id = id, account = tonumber(reference) } end
    end
end

function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format("RESULT requests=%d seconds=%.3f errors=%d non2xx=%d p50=%d p99=%d p999=%d\n",
        summary.requests, summary.duration / 1e6, errors, summary.errors.status,
        latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
