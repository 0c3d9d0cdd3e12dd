import ArgumentParser
import Foundation
import Logging
import TallyApp

/// `tally demo`: seeds a demo account and prints how to log in.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a demo account with an owner and 1,000 credits, and print how to log in."
    )

    @OptionGroup var database: DatabaseOption

    @Option(help: "The demo owner's email.")
    var email = "owner@demo.example.com"

    @Option(help: "The demo owner's password.")
    var password = "demo-password"

    func run() async throws {
        let store = try await database.openStore()
        let tally = Tally(store: store, logger: Logger(label: "tally-demo"), operatorToken: nil)
        let account = try await tally.accounts.createAccount(
            Accounts.NewAccount(
                name: "Demo Scheduling Co.",
                owner: Accounts.NewPerson(email: email, name: "Demo Owner", password: password)
            ),
            by: .operator
        )
        let session = try await tally.accounts.login(email: email, password: password)
        guard case .user(let user)? = try await tally.accounts.authenticate(bearer: session.token) else {
            throw ValidationError("the demo owner cannot log in")
        }
        let manager = try Principal.user(user).creditManager(of: account.id)
        _ = try await tally.purchases.buy(
            Purchases.NewPurchase(
                credits: .init(whole: 1_000),
                paymentMethodId: nil,
                card: Purchases.CardInput(number: "4242424242424242", expMonth: 12, expYear: 2035, cvc: "123")
            ),
            by: manager,
            idempotency: nil
        )
        try await store.close()
        print(
            """
            Demo account \(account.id) created with 1,000 credits (paid with the sandbox card 4242 4242 4242 4242).
            Open the web app at http://127.0.0.1:8080/app and sign in as \(email) with the password \(password).
            Log in:
              curl -s -X POST http://127.0.0.1:8080/v1/sessions -H 'Content-Type: application/json' \\
                -d '{"email":"\(email)","password":"\(password)"}'
            Then read the wallet with the token it returns:
              curl -s http://127.0.0.1:8080/v1/accounts/\(account.id)/wallet -H 'Authorization: Bearer <token>'
            """
        )
    }
}
