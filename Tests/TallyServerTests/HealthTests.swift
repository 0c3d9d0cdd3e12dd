import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TallyApp
import TallyServer
import TallyStore

@Test func healthAnswersOnceTheDatabaseAnswers() async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-\(UUID()).sqlite").path
    let store = try SQLiteStore(path: path)
    let app = buildApplication(
        tally: Tally(store: store, logger: Logger(label: "test")), host: "127.0.0.1", port: 0)
    try await app.test(.live) { client in
        try await client.execute(uri: "/health", method: .get) { response in
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
        }
    }
}
