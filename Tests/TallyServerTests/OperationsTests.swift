import Foundation
import TallyApp
import TallyServer
import Testing

/// API.md "Operations", the price list and the OpenAPI document.
@Suite("Operations")
struct OperationsTests {
    @Test func healthAnswersOnceTheDatabaseAnswers() async throws {
        try await Harness.run { harness in
            let reply = try await harness.call(.get, "/health")
            #expect(reply.status == 200)
            #expect(reply.body == #"{"status":"ok"}"#)
        }
    }

    @Test func metricsArePrometheusText() async throws {
        try await Harness.run { harness in
            _ = try await harness.call(.get, "/health")
            let reply = try await harness.call(.get, "/metrics")
            #expect(reply.status == 200)
            #expect(reply.contentType?.hasPrefix("text/plain") == true)
            #expect(reply.body.contains("hb_requests"))
        }
    }

    @Test func theOpenAPIDocumentDescribesEveryRouteAndNoOther() async throws {
        try await Harness.run { harness in
            let reply = try await harness.call(.get, "/openapi.json")
            #expect(reply.status == 200)
            let document = try reply.object
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let routed = Set(
                // The web app's pages (`/`, `/app/...`) are HTML, not part of the API.
                buildRouter(tally: harness.tally).routes.filter { !WebRoutes.isWebPath($0.path.description) }.map { route in
                    "\(route.method.rawValue) "
                        + route.path.description.replacingOccurrences(
                            of: #":([A-Za-z]+)"#,
                            with: "{$1}",
                            options: .regularExpression
                        )
                }
            )
            #expect(routed.subtracting(documented).sorted() == [], "routes missing from /openapi.json")
            #expect(documented.subtracting(routed).sorted() == [], "documented routes that do not exist")
        }
    }

    /// A client generated from the document gets a module per tag and a function per
    /// operation named for what it does (`validations.validate_email`), never after its path.
    @Test func theOpenAPIDocumentNamesEveryOperationOnceWithATagAndASummary() async throws {
        try await Harness.run { harness in
            let document = try await harness.call(.get, "/openapi.json").object
            let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
            var ids = [String]()
            for (path, operations) in paths {
                for (method, operation) in operations {
                    let id = try #require(operation["operationId"] as? String, "\(method) \(path)")
                    #expect(id.range(of: #"^[a-z][a-z_]*$"#, options: .regularExpression) != nil, "\(method) \(path): \(id)")
                    let tags = operation["tags"] as? [String] ?? []
                    #expect(tags.count == 1 && tags != ["default"], "\(method) \(path) has no tag of its own")
                    #expect((operation["summary"] as? String)?.isEmpty == false, "\(method) \(path) has no summary")
                    ids.append(id)
                }
            }
            #expect(Set(ids).count == ids.count, "operationIds used twice: \(ids.sorted())")
            #expect(ids.contains("validate_email") && ids.contains("get_wallet") && ids.contains("buy_credits"))
        }
    }

    @Test func thePriceListHasTheBundlesFeaturesAndAll47SMSCountries() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await harness.call(.get, "/v1/pricing").status == 401)
            let pricing = try await harness.call(.get, "/v1/pricing", token: account.ownerToken).object
            #expect(pricing["creditPrice"] as? String == "0.20")
            #expect(pricing["minimumPurchase"] as? Int == 100)
            let bundles = try #require(pricing["bundles"] as? [[String: Any]])
            #expect(bundles.map { $0["price"] as? String } == ["100.00", "200.00", "400.00", "1000.00"])
            let features = try #require(pricing["features"] as? [[String: Any]])
            #expect(features.map { $0["credits"] as? String } == ["0.500", "1.500", "15.000", "24.000", nil])
            let sms = try #require(pricing["sms"] as? [[String: Any]])
            #expect(sms.count == 47)
            #expect(sms.first { $0["iso"] as? String == "FR" }?["creditsPerSegment"] as? String == "0.450")
            #expect(sms.first { $0["iso"] as? String == "US" }?["callingCode"] as? String == "+1")
        }
    }
}
