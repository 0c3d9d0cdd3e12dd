import ArgumentParser
import Foundation
import TallyApp
import TallyStore

/// `tally providers`: the outside services Tally uses.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "The providers each role uses (payments, SMS, phone and email validation, credit checks).",
        subcommands: [Check.self]
    )

    /// `tally providers check`: calls each configured real provider once, harmlessly.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call each configured real provider harmlessly and print a table; exit 1 if any fails.",
            discussion: """
                Providers are read from the same environment variables as tally serve (TALLY_STRIPE_SECRET_KEY \
                and its companions for Stripe, whose balance is read; TALLY_EMAIL_VERIFIER=dns for DNS email \
                validation, whose resolver (TALLY_DNS_SERVER, else the system's) is asked for the MX records of \
                TALLY_DNS_CHECK_DOMAIN, example.com by default, and must return one (a null MX counts); \
                TALLY_BUREAU_URL and TALLY_BUREAU_SECRET for the bureau bridge, whose GET health check is called). Sandbox roles are not called and print \
                "sandbox". With --database, Stripe's events kept but not applied are named and fail the check.
                """
        )

        @Option(name: .long, help: "The database, to name Stripe events kept but not applied (optional).")
        var database: String?

        func run() async throws {
            let configuration = try ProviderConfiguration(environment: ProcessInfo.processInfo.environment)
            var store: (any Store)?
            if let database {
                var option = DatabaseOption()
                option.database = database
                store = try await option.openStore(creating: false)
            }
            let lines = await ProviderCheck.run(configuration, store: store)
            try? await store?.close()
            let rows =
                [["role", "provider", "result"]]
                + lines.map { line in
                    let result =
                        switch line.result {
                        case nil: "sandbox"
                        case .ok: "ok"
                        case .failed(let reason): "failed: \(reason)"
                        }
                    return [line.role.rawValue, line.provider, result]
                }
            let widths = (0..<2).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(
                    row[0].padding(toLength: widths[0] + 2, withPad: " ", startingAt: 0)
                        + row[1].padding(toLength: widths[1] + 2, withPad: " ", startingAt: 0) + row[2]
                )
            }
            if lines.contains(where: \.failed) { throw ExitCode(1) }
        }
    }
}
