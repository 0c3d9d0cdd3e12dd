import ArgumentParser
import Foundation
import TallyServer

/// `tally openapi`: prints the API's OpenAPI document.
struct OpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the OpenAPI 3.1 document of the HTTP API (as /openapi.json serves it)."
    )

    func run() throws {
        FileHandle.standardOutput.write(Data(openAPIDocumentJSON()))
        print()
    }
}
