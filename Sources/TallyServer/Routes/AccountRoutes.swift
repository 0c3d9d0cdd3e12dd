import Hummingbird
import TallyApp
import TallyCore

/// Accounts, people, sessions and API keys.
struct AccountRoutes {
    let accounts: Accounts

    struct Verification: Decodable, Sendable {
        var usBusinessEntity: Bool
    }

    struct Login: Decodable, Sendable {
        var email: String
        var password: String
    }

    struct NewAPIKey: Decodable, Sendable {
        var name: String
    }

    func add(to router: some RouterMethods<TallyRequestContext>, account: some RouterMethods<AccountRequestContext>) {
        router.post("/v1/accounts") { request, context in
            // Who is asking is checked before what is asked.
            let caller = try context.caller()
            try caller.operatorOnly()
            let body = try await JSONBody<Accounts.NewAccount>.read(request, context: context)
            return try Response.json(
                try await accounts.createAccount(body.value, by: caller),
                status: .created
            )
        }
        account.post("/verification") { request, context in
            try context.caller.operatorOnly()
            let body = try await JSONBody<Verification>.read(request, context: context)
            return try Response.json(
                try await accounts.setVerification(
                    body.value.usBusinessEntity,
                    account: context.account,
                    by: context.caller
                )
            )
        }
        router.post("/v1/sessions") { request, context in
            let body = try await JSONBody<Login>.read(request, context: context)
            return try Response.json(
                try await accounts.login(email: body.value.email, password: body.value.password, from: context.remoteAddress),
                status: .created
            )
        }
        account.post("/users") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<Accounts.NewUser>.read(request, context: context)
            return try Response.json(try await accounts.addUser(body.value, by: manager), status: .created)
        }
        router.delete("/v1/sessions") { request, context in
            _ = try context.caller()
            let header = request.headers[.authorization] ?? ""
            try await accounts.logout(bearer: String(header.dropFirst("Bearer ".count)))
            return Response(status: .noContent)
        }
        account.get("/api-keys") { _, context in
            let manager = try context.creditManager()
            return try Response.json(WalletRoutes.Items(items: try await accounts.apiKeys(of: manager)))
        }
        account.delete("/api-keys/{id}") { _, context in
            let manager = try context.creditManager()
            try await accounts.revokeAPIKey(APIKeyID(try context.parameters.require("id")), by: manager)
            return Response(status: .noContent)
        }
        account.post("/api-keys") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<NewAPIKey>.read(request, context: context)
            return try Response.json(
                try await accounts.createAPIKey(name: body.value.name, by: manager),
                status: .created
            )
        }
    }
}
