import Foundation
import Testing
import TallyStore

@Test func sqliteStoreAnswersOnANewFile() async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-\(UUID()).sqlite").path
    let store = try SQLiteStore(path: path)
    try await store.ping()
    try await store.close()
}
