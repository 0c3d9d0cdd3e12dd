import Foundation
import TallyTestSupport
import Testing

/// A run that must cover PostgreSQL (`scripts/test`, so CI) fails when no server is
/// named, instead of quietly running every contract case on SQLite alone.
@Suite("PostgreSQL is required where the run says so")
struct PostgresRequiredTests {
    static let required = ProcessInfo.processInfo.environment["TALLY_REQUIRE_POSTGRES"] == "1"

    @Test(.enabled(if: required)) func aServerIsNamed() {
        #expect(
            PostgresTestDatabase.serverURL != nil,
            "TALLY_REQUIRE_POSTGRES=1 but TALLY_TEST_POSTGRES_URL is not set: the PostgreSQL cases would be skipped"
        )
    }
}
