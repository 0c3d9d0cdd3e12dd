import ArgumentParser

/// `tally verify`: recomputes every wallet from its ledger.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute every wallet from its ledger.",
        discussion: "Prints one line per wallet that disagrees with its ledger and exits 1 on any; 0 when all agree."
    )

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let store = try await database.openStore(creating: false)
        let mismatches = try await store.verifyWallets()
        try await store.close()
        for mismatch in mismatches {
            print("mismatch: \(mismatch)")
        }
        guard mismatches.isEmpty else { throw ExitCode(1) }
        print("ok: every wallet equals its ledger")
    }
}
