-- wrk: the holds of the API — a hold of 0.5 credits on an account drawn at random from
-- TALLY_BENCH_ACCOUNTS (common.lua), then, by the thread's next request, its
-- capture of 0.3 with the rest released. Every request has a fresh Idempotency-Key. A
-- hold's reference names its account, so its capture goes to the same one.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
local accounts = {}
local prefix = ""
local counter = 0
local held = {}

function init(args)
    accounts = common.accounts("/holds")
    prefix = common.prefix()
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

done = common.done
