-- wrk: every request validates an email address (0.5 credits) with a fresh
-- Idempotency-Key, on an account drawn at random from TALLY_BENCH_ACCOUNTS (common.lua).
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
local accounts = {}
local prefix = ""
local counter = 0

function init(args)
    accounts = common.accounts("/validations/email")
    prefix = common.prefix()
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

done = common.done
