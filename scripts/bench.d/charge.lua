-- wrk: every request validates an email address (0.5 credits) with a fresh
-- Idempotency-Key, on an account drawn at random from TALLY_BENCH_ACCOUNTS (lines of
-- "account key", from `tally bench-accounts`). One line in that file: one hot wallet.
local accounts = {}
local prefix = ""
local counter = 0

function init(args)
    for line in io.lines(os.getenv("TALLY_BENCH_ACCOUNTS")) do
        local id, key = line:match("^(%S+) (%S+)$")
        if id then
            accounts[#accounts + 1] = { path = "/v1/accounts/" .. id .. "/validations/email", auth = "Bearer " .. key }
        end
    end
    -- A table's address differs per thread: keys never repeat across threads or runs.
    prefix = tostring({}):gsub("table: ", "") .. "-" .. os.time() .. "-"
    math.randomseed(os.time() + #prefix)
end

function request()
    counter = counter + 1
    local account = accounts[math.random(#accounts)]
    return wrk.format("POST", account.path, {
        ["Authorization"] = account.auth,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = prefix .. counter,
    }, '{"email":"lead' .. counter .. '@example.com"}')
end

function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format("RESULT requests=%d seconds=%.3f errors=%d non2xx=%d p50=%d p99=%d p999=%d\n",
        summary.requests, summary.duration / 1e6, errors, summary.errors.status,
        latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
