-- What the wrk scripts of scripts/bench share: the accounts of TALLY_BENCH_ACCOUNTS (lines
-- of "account key", from `tally bench-accounts`; one line: one hot wallet), a prefix for
-- Idempotency-Keys that no other thread or run uses, and the RESULT line scripts/bench reads.
local common = {}

-- Each account's path (`/v1/accounts/{id}` followed by `suffix`) and its Authorization header.
function common.accounts(suffix)
    local accounts = {}
    for line in io.lines(os.getenv("TALLY_BENCH_ACCOUNTS")) do
        local id, key = line:match("^(%S+) (%S+)$")
        if id then
            accounts[#accounts + 1] = { path = "/v1/accounts/" .. id .. suffix, auth = "Bearer " .. key }
        end
    end
    return accounts
end

-- A table's address differs per thread: keys never repeat across threads or runs.
function common.prefix()
    local prefix = tostring({}):gsub("table: ", "") .. "-" .. os.time() .. "-"
    math.randomseed(os.time() + #prefix)
    return prefix
end

function common.done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format("RESULT requests=%d seconds=%.3f errors=%d non2xx=%d p50=%d p99=%d p999=%d\n",
        summary.requests, summary.duration / 1e6, errors, summary.errors.status,
        latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end

return common
