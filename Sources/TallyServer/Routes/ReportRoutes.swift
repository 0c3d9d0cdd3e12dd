import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// Credit usage, feature logs and the ledger: read by the owner, super admins and API keys.
/// Logs and the ledger answer CSV for `Accept: text/csv` or `format=csv`.
struct ReportRoutes {
    let tally: Tally

    func add(to account: some RouterMethods<AccountRequestContext>) {
        account.get("/usage") { request, context in
            let reader = try context.reportReader()
            let query = request.uri.queryParameters
            let report = try await tally.reports.usage(
                of: reader,
                from: query["from"].map(String.init),
                to: query["to"].map(String.init)
            )
            return try Response.json(report)
        }
        account.get("/logs/{log}") { request, context in
            let reader = try context.reportReader()
            let log = try Reports.log(named: try context.parameters.require("log"))
            let logRequest = Self.logRequest(request)
            if Self.wantsCSV(request) {
                let export = try tally.reports.export(log, of: reader, logRequest)
                return Self.csv(fileName: export.fileName) { write in try await export.run(write: write) }
            }
            return try Response.json(try await tally.reports.page(log, of: reader, logRequest))
        }
        account.get("/ledger") { request, context in
            let reader = try context.reportReader()
            let query = request.uri.queryParameters
            let window = try tally.reports.ledgerWindow(from: query["from"].map(String.init), to: query["to"].map(String.init))
            if Self.wantsCSV(request) {
                let wallets = tally.wallets
                let name = "tally-ledger-\(query["from"].map(String.init) ?? "start")-to-\(query["to"].map(String.init) ?? "now").csv"
                return Self.csv(fileName: name) { write in
                    try await write(CSV.row(Reports.ledgerCSVHeader))
                    try await wallets.exportLedger(of: reader, window: window) { entries in
                        try await write(entries.map { CSV.row(Reports.ledgerCSVFields($0)) }.joined())
                    }
                }
            }
            let limit = try query["limit"].map { text throws(TallyError) -> Int in
                guard let value = Int(text) else { throw .invalid("limit", "must be a whole number") }
                return value
            }
            let cursor = query["cursor"].map(String.init)
            return try Response.json(try await tally.wallets.ledger(of: reader, limit: limit, cursor: cursor, window: window))
        }
        account.get("/ledger/{id}") { _, context in
            let reader = try context.reportReader()
            return try Response.json(try await tally.wallets.explanation(of: reader, entry: try context.parameters.require("id")))
        }
    }

    static func logRequest(_ request: Request) -> Reports.LogRequest {
        let query = request.uri.queryParameters
        return Reports.LogRequest(
            from: query["from"].map(String.init),
            to: query["to"].map(String.init),
            result: query["result"].map(String.init),
            lineType: query["lineType"].map(String.init),
            q: query["q"].map(String.init),
            limit: query["limit"].map(String.init),
            cursor: query["cursor"].map(String.init)
        )
    }

    /// `format=csv`, or an `Accept` header that asks for CSV.
    static func wantsCSV(_ request: Request) -> Bool {
        if let format = request.uri.queryParameters["format"] { return format == "csv" }
        return request.headers[.accept]?.contains("text/csv") ?? false
    }

    /// A streamed CSV download; `body` writes it a chunk at a time.
    static func csv(
        fileName: String,
        _ body: @escaping @Sendable (_ write: (String) async throws -> Void) async throws -> Void
    ) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(fileName)\"",
                .cacheControl: "no-store",
            ],
            body: ResponseBody { writer in
                try await body { text in try await writer.write(ByteBuffer(string: text)) }
                try await writer.finish(nil)
            }
        )
    }
}
