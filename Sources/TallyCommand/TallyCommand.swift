import ArgumentParser

/// `tally`: the prepaid credits wallet.
public struct TallyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "A self-hosted prepaid-credits wallet for pay-per-use features.",
        subcommands: [
            Serve.self, Migrate.self, Verify.self, Demo.self, OpenAPI.self, Bench.self, ReportBench.self, CoreBench.self,
            BenchAccounts.self, ProvidersCommand.self,
        ]
    )

    public init() {}
}
