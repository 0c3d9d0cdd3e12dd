import ArgumentParser

/// `tally verify`: recomputes every wallet from its ledger, and its lots from their movements.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute every wallet from its ledger and its lots.",
        discussion: """
            Prints one line per disagreement and exits 1 on any; 0 when all agree. A wallet must equal \
            what its ledger adds up to; its available and held credits must equal its lots' remaining and \
            held; every lot must equal what its movements add up to and never be below zero; every ledger \
            entry's lot movements must add up to the entry; no movement but a lot's expiry may draw from \
            the lot once its expiry has come; and a lot expires once (one `expiry` entry of its own, and one \
            more per hold that gave credits back to it after it expired).
            """
    )

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let store = try await database.openStore(creating: false)
        let mismatches = try await store.verifyWallets()
        let lots = try await store.verifyLots()
        try await store.close()
        for mismatch in mismatches {
            print("mismatch: \(mismatch)")
        }
        for problem in lots {
            print("mismatch: \(problem)")
        }
        guard mismatches.isEmpty, lots.isEmpty else { throw ExitCode(1) }
        print("ok: every wallet equals its ledger and its lots")
    }
}
