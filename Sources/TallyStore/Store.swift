import TallyCore

/// Everything Tally persists, behind one protocol with a SQLite and a PostgreSQL conformance.
public protocol Store: Sendable {
    /// Answers once the database can run a query.
    func ping() async throws
    /// Closes the connections.
    func close() async throws
}
