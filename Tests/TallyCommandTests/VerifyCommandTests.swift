import ArgumentParser
import Foundation
import GRDB
import Logging
import TallyApp
import TallyCommand
import TallyCore
import TallyStore
import Testing

/// `tally verify`: every wallet recomputed from its ledger.
@Suite("tally verify")
struct VerifyCommandTests {
    func run(_ arguments: [String]) async throws {
        var command = try TallyCommand.parseAsRoot(arguments)
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }

    /// Several accounts buying at once, with declines and replays mixed in.
    func busyDatabase() async throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("tally-verify-\(UUID().uuidString).sqlite").path
        try await run(["migrate", "--database", path])
        let store = try SQLiteStore(path: path)
        let tally = Tally(
            store: store,
            logger: Logger(label: "test"),
            operatorToken: nil,
            passwords: PasswordHasher(cost: 4, maximumConcurrent: 8)
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask {
                    let account = try await tally.accounts.createAccount(
                        .init(
                            name: "Account \(index)",
                            owner: .init(email: "owner\(index)@example.com", name: "O", password: "password-1")
                        ),
                        by: .operator
                    )
                    guard
                        case .user(let owner)? = try await tally.accounts.authenticate(
                            bearer: try await tally.accounts.login(email: "owner\(index)@example.com", password: "password-1").token
                        )
                    else { return }
                    let manager = try Principal.user(owner).creditManager(of: account.id)
                    for purchase in 0..<10 {
                        let card = purchase % 3 == 0 ? SandboxPaymentGateway.declinedCard : "4242424242424242"
                        let key = try IdempotencyRequest(key: "k\(purchase % 5)", method: "POST", path: "/p", body: Array("\(purchase)".utf8))
                        _ = try? await tally.purchases.buy(
                            .init(
                                credits: Credits(whole: 100 + Int64(purchase)),
                                paymentMethodId: nil,
                                card: .init(number: card, expMonth: 12, expYear: 2035, cvc: "123")
                            ),
                            by: manager,
                            idempotency: purchase % 2 == 0 ? key : nil
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        try await store.close()
        return path
    }

    @Test func verifyPassesAfterABusyDay() async throws {
        let path = try await busyDatabase()
        try await run(["verify", "--database", path])
    }

    @Test func verifyFailsOnAHandCorruptedDatabase() async throws {
        let path = try await busyDatabase()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE wallets SET available = available + 1, total = total + 1 WHERE rowid = 1")
        }
        await #expect(throws: ExitCode(1)) { try await run(["verify", "--database", "sqlite:\(path)"]) }
    }

    /// A lot expires once: a second `expiry` entry of the same lot fails `tally verify`,
    /// though every figure still adds up.
    @Test func verifyFailsOnALotExpiredTwice() async throws {
        let path = try await busyDatabase()
        try await run(["verify", "--database", path])
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            for entry in ["led_expired_once", "led_expired_again"] {
                try db.execute(
                    sql: """
                        INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after, reference, created_at)
                        SELECT ?, account_id, 'expiry', 0, 0, 0, 0, 0, id, created_at FROM lots ORDER BY rowid LIMIT 1
                        """,
                    arguments: [entry]
                )
                try db.execute(
                    sql: """
                        INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
                        SELECT ?, id, account_id, NULL, 0, 0 FROM lots ORDER BY rowid LIMIT 1
                        """,
                    arguments: [entry]
                )
            }
        }
        await #expect(throws: ExitCode(1)) { try await run(["verify", "--database", path]) }
    }

    /// Reading a database that is not there is an error, not an empty database that "verifies".
    @Test func verifyRefusesADatabaseThatDoesNotExist() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID().uuidString).sqlite").path
        await #expect(throws: ValidationError.self) { try await run(["verify", "--database", path]) }
        await #expect(throws: ValidationError.self) { try await run(["bench", "--database", "sqlite:\(path)", "--charges", "1"]) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
