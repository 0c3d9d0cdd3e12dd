import Foundation
import TallyCore
import Testing

private func decodeConfig(_ json: String) throws -> EventConfig {
    try JSONDecoder().decode(EventConfig.self, from: Data(json.utf8))
}

private func problems(of config: EventConfig) -> [EventConfigProblem] {
    switch config.validated() {
    case .success: []
    case .failure(let error): error.problems
    }
}

@Suite("Data intelligence on events: the config")
struct EventConfigTests {
    @Test func aConfigWithOnlyANameHasEverythingOff() throws {
        let config = try decodeConfig(#"{"name": "Webinar"}"#)
        #expect(config == EventConfig(name: "Webinar"))
        #expect(config.emailValidation == false && config.phoneValidation == false)
        #expect(config.creditCheck == .none)
        #expect(config.disqualify == DisqualificationRules())
        #expect(config.routes.isEmpty && config.defaultRoute == nil)
    }

    @Test func omittedRulesInsideDisqualifyAreOff() throws {
        let config = try decodeConfig(#"{"name": "x", "creditCheck": "dti", "disqualify": {"maxDtiPercent": 40}}"#)
        #expect(config.disqualify == DisqualificationRules(maxDtiPercent: 40))
        #expect(config.creditCheck == .dti)
    }

    @Test func nullsDecodeAsAbsent() throws {
        let json = #"{"name": "x", "creditCheck": null, "disqualify": null, "routes": null, "defaultRoute": null}"#
        #expect(try decodeConfig(json) == EventConfig(name: "x"))
    }

    @Test func theNameIsRequired() {
        #expect(throws: DecodingError.self) { try decodeConfig(#"{"emailValidation": true}"#) }
    }

    @Test func anUnknownCreditCheckListsTheAcceptedValues() throws {
        let error = try #require(throws: DecodingError.self) {
            try decodeConfig(#"{"name": "x", "creditCheck": "fico"}"#)
        }
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(error)")
            return
        }
        #expect(context.debugDescription == "must be one of: none, credit_score, dti")
        #expect(context.codingPath.map(\.stringValue) == ["creditCheck"])
    }

    @Test func encodingWritesEveryKeyWithExplicitNulls() throws {
        let config = EventConfig(name: "Webinar", routes: [LeadRoute(name: "all")])
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any]
        )
        #expect(
            Set(object.keys) == [
                "name", "emailValidation", "phoneValidation", "creditCheck", "disqualify", "routes", "defaultRoute",
            ]
        )
        #expect(object["defaultRoute"] is NSNull)
        #expect(object["creditCheck"] as? String == "none")
        let disqualify = try #require(object["disqualify"] as? [String: Any])
        #expect(Set(disqualify.keys) == ["invalidEmail", "invalidPhone", "minCreditScore", "maxDtiPercent"])
        #expect(disqualify["minCreditScore"] is NSNull && disqualify["maxDtiPercent"] is NSNull)
        let route = try #require((object["routes"] as? [[String: Any]])?.first)
        #expect(Set(route.keys) == ["name", "minCreditScore", "maxCreditScore", "maxDtiPercent"])
        #expect(route["minCreditScore"] is NSNull && route["maxCreditScore"] is NSNull)
        #expect(route["maxDtiPercent"] is NSNull)
    }

    @Test(arguments: [
        EventConfig(name: "Bare"),
        EventConfig(
            name: "Full",
            emailValidation: true,
            phoneValidation: true,
            creditCheck: .dti,
            disqualify: DisqualificationRules(invalidEmail: true, invalidPhone: true, minCreditScore: 580, maxDtiPercent: 45),
            routes: [
                LeadRoute(name: "prime", minCreditScore: 720, maxDtiPercent: 30),
                LeadRoute(name: "near", minCreditScore: 620, maxCreditScore: 719),
                LeadRoute(name: "rest"),
            ],
            defaultRoute: "review"
        ),
        EventConfig(name: "Score", creditCheck: .creditScore, routes: [LeadRoute(name: "low", maxCreditScore: 600)]),
    ])
    func encodingThenDecodingGivesTheSameConfig(config: EventConfig) throws {
        let decoded = try JSONDecoder().decode(EventConfig.self, from: JSONEncoder().encode(config))
        #expect(decoded == config)
    }

    @Test func aValidConfigComesBackTrimmed() throws {
        let config = EventConfig(
            name: "  Webinar \n",
            routes: [LeadRoute(name: " vip ")],
            defaultRoute: "\tother "
        )
        let valid = try config.validated().get()
        #expect(valid.name == "Webinar")
        #expect(valid.routes.map(\.name) == ["vip"])
        #expect(valid.defaultRoute == "other")
    }

    @Test(arguments: [CreditCheckChoice.creditScore, .dti])
    func aCreditCheckTurnsBothValidationsOn(check: CreditCheckChoice) throws {
        let valid = try EventConfig(name: "x", creditCheck: check).validated().get()
        #expect(valid.emailValidation && valid.phoneValidation)
    }

    @Test func withoutACreditCheckTheValidationsStayAsSet() throws {
        let valid = try EventConfig(name: "x", emailValidation: true).validated().get()
        #expect(valid.emailValidation && !valid.phoneValidation)
    }

    @Test(arguments: [
        // (config, the one problem it must have)
        (EventConfig(name: "   "), EventConfigProblem(field: "name", reason: "must be 1...200 characters after trimming")),
        (
            EventConfig(name: String(repeating: "n", count: 201)),
            EventConfigProblem(field: "name", reason: "must be 1...200 characters after trimming")
        ),
        (
            EventConfig(name: "x", creditCheck: .creditScore, disqualify: DisqualificationRules(minCreditScore: 299)),
            EventConfigProblem(field: "disqualify.minCreditScore", reason: "must be within 300...850")
        ),
        (
            EventConfig(name: "x", disqualify: DisqualificationRules(minCreditScore: 600)),
            EventConfigProblem(field: "disqualify.minCreditScore", reason: "needs creditCheck credit_score or dti")
        ),
        (
            EventConfig(name: "x", creditCheck: .dti, disqualify: DisqualificationRules(maxDtiPercent: 101)),
            EventConfigProblem(field: "disqualify.maxDtiPercent", reason: "must be within 0...100")
        ),
        (
            EventConfig(name: "x", creditCheck: .creditScore, disqualify: DisqualificationRules(maxDtiPercent: 40)),
            EventConfigProblem(field: "disqualify.maxDtiPercent", reason: "needs creditCheck dti")
        ),
        (
            EventConfig(name: "x", routes: (0...20).map { LeadRoute(name: "r\($0)") }),
            EventConfigProblem(field: "routes", reason: "must hold at most 20 routes")
        ),
        (
            EventConfig(name: "x", routes: [LeadRoute(name: "a"), LeadRoute(name: " ")]),
            EventConfigProblem(field: "routes[1].name", reason: "must be 1...100 characters after trimming")
        ),
        (
            EventConfig(name: "x", routes: [LeadRoute(name: String(repeating: "r", count: 101))]),
            EventConfigProblem(field: "routes[0].name", reason: "must be 1...100 characters after trimming")
        ),
        (
            EventConfig(name: "x", routes: [LeadRoute(name: "a"), LeadRoute(name: "b"), LeadRoute(name: " a")]),
            EventConfigProblem(field: "routes[2].name", reason: "duplicates routes[0].name")
        ),
        (
            EventConfig(name: "x", creditCheck: .dti, routes: [LeadRoute(name: "a", minCreditScore: 851)]),
            EventConfigProblem(field: "routes[0].minCreditScore", reason: "must be within 300...850")
        ),
        (
            EventConfig(name: "x", creditCheck: .dti, routes: [LeadRoute(name: "a", maxCreditScore: 0)]),
            EventConfigProblem(field: "routes[0].maxCreditScore", reason: "must be within 300...850")
        ),
        (
            EventConfig(
                name: "x",
                creditCheck: .creditScore,
                routes: [LeadRoute(name: "a"), LeadRoute(name: "b", minCreditScore: 700, maxCreditScore: 699)]
            ),
            EventConfigProblem(field: "routes[1].maxCreditScore", reason: "must be at least minCreditScore (700)")
        ),
        (
            EventConfig(name: "x", routes: [LeadRoute(name: "a", minCreditScore: 700)]),
            EventConfigProblem(field: "routes[0].minCreditScore", reason: "needs creditCheck credit_score or dti")
        ),
        (
            EventConfig(name: "x", routes: [LeadRoute(name: "a", maxCreditScore: 700)]),
            EventConfigProblem(field: "routes[0].maxCreditScore", reason: "needs creditCheck credit_score or dti")
        ),
        (
            EventConfig(name: "x", creditCheck: .dti, routes: [LeadRoute(name: "a", maxDtiPercent: -1)]),
            EventConfigProblem(field: "routes[0].maxDtiPercent", reason: "must be within 0...100")
        ),
        (
            EventConfig(name: "x", creditCheck: .creditScore, routes: [LeadRoute(name: "a", maxDtiPercent: 30)]),
            EventConfigProblem(field: "routes[0].maxDtiPercent", reason: "needs creditCheck dti")
        ),
        (
            EventConfig(name: "x", defaultRoute: " "),
            EventConfigProblem(field: "defaultRoute", reason: "must be 1...100 characters after trimming")
        ),
        (
            EventConfig(name: "x", defaultRoute: String(repeating: "d", count: 101)),
            EventConfigProblem(field: "defaultRoute", reason: "must be 1...100 characters after trimming")
        ),
    ])
    func eachProblemIsNamedByItsFieldPath(config: EventConfig, problem: EventConfigProblem) {
        #expect(problems(of: config) == [problem])
    }

    @Test(arguments: [
        EventConfig(name: String(repeating: "n", count: 200), routes: (1...20).map { LeadRoute(name: "r\($0)") }),
        EventConfig(
            name: "edges",
            creditCheck: .dti,
            disqualify: DisqualificationRules(minCreditScore: 300, maxDtiPercent: 0),
            routes: [
                LeadRoute(name: String(repeating: "r", count: 100), minCreditScore: 850, maxCreditScore: 850, maxDtiPercent: 100),
                LeadRoute(name: "low", minCreditScore: 300, maxCreditScore: 300),
            ],
            defaultRoute: String(repeating: "d", count: 100)
        ),
        // DTI includes the credit score, so score rules are fine with a DTI check.
        EventConfig(name: "x", creditCheck: .dti, routes: [LeadRoute(name: "a", minCreditScore: 700)]),
        // A default route may be a destination of its own, not one of the banded routes.
        EventConfig(name: "x", routes: [LeadRoute(name: "a")], defaultRoute: "elsewhere"),
    ])
    func limitsAreInclusive(config: EventConfig) {
        #expect(problems(of: config) == [])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let config = EventConfig(
            name: "",
            disqualify: DisqualificationRules(minCreditScore: 900, maxDtiPercent: 200),
            routes: [LeadRoute(name: "a", minCreditScore: 800, maxCreditScore: 700), LeadRoute(name: "a")],
            defaultRoute: ""
        )
        #expect(
            problems(of: config).map(\.field) == [
                "name",
                "disqualify.minCreditScore", "disqualify.minCreditScore",
                "disqualify.maxDtiPercent", "disqualify.maxDtiPercent",
                "routes[0].minCreditScore", "routes[0].maxCreditScore", "routes[0].maxCreditScore",
                "routes[1].name",
                "defaultRoute",
            ]
        )
    }
}

@Suite("Data intelligence on events: qualifying and routing a lead")
struct LeadDecisionTests {
    static let strict = EventConfig(
        name: "Loans",
        creditCheck: .dti,
        disqualify: DisqualificationRules(invalidEmail: true, invalidPhone: true, minCreditScore: 600, maxDtiPercent: 45)
    )

    static func measured(
        email: Bool? = true,
        phone: Bool? = true,
        score: Int? = 700,
        dti: Int? = 30
    ) -> LeadCheckResults {
        LeadCheckResults(emailValid: email, phoneValid: phone, creditCheckCompleted: true, creditScore: score, dtiPercent: dti)
    }

    @Test(arguments: [
        (measured(), [DisqualificationReason]()),
        (measured(email: false), [.invalidEmail]),
        (measured(phone: false), [.invalidPhone]),
        (measured(score: 599), [.creditScoreBelowMinimum]),
        (measured(score: 600), []),
        (measured(dti: 46), [.dtiAboveMaximum]),
        (measured(dti: 45), []),
        (
            measured(email: false, phone: false, score: 550, dti: 60),
            [.invalidEmail, .invalidPhone, .creditScoreBelowMinimum, .dtiAboveMaximum]
        ),
        (measured(phone: false, dti: 80), [.invalidPhone, .dtiAboveMaximum]),
        // A validation that did not run cannot have found the lead invalid.
        (measured(email: nil, phone: nil), []),
        // Skipped credit check (non-US phone): only the validations it did measure can disqualify.
        (LeadCheckResults(emailValid: false, phoneValid: true, creditCheckCompleted: false), [.invalidEmail]),
        (LeadCheckResults(emailValid: true, phoneValid: true, creditCheckCompleted: false), []),
        // Figures from a check that did not complete are not measurements.
        (LeadCheckResults(emailValid: true, phoneValid: true, creditCheckCompleted: false, creditScore: 400, dtiPercent: 90), []),
    ])
    func disqualifiesOnEachRuleThatFires(results: LeadCheckResults, reasons: [DisqualificationReason]) {
        let decision = Self.strict.decide(results)
        #expect(decision.disqualifiedBy == reasons)
        #expect(decision.qualified == reasons.isEmpty)
    }

    @Test func rulesThatAreOffNeverDisqualify() {
        let lenient = EventConfig(name: "Open", creditCheck: .dti)
        let decision = lenient.decide(Self.measured(email: false, phone: false, score: 300, dti: 100))
        #expect(decision == LeadDecision(qualified: true, disqualifiedBy: [], route: nil))
    }

    static let routed = EventConfig(
        name: "Loans",
        creditCheck: .dti,
        routes: [
            LeadRoute(name: "prime", minCreditScore: 720, maxDtiPercent: 35),
            LeadRoute(name: "good", minCreditScore: 660, maxCreditScore: 719),
            LeadRoute(name: "low-debt", maxDtiPercent: 20),
            LeadRoute(name: "subprime", maxCreditScore: 659),
        ],
        defaultRoute: "review"
    )

    @Test(arguments: [
        (measured(score: 800, dti: 10), "prime"),  // first match wins over "low-debt"
        (measured(score: 720, dti: 35), "prime"),  // both edges inclusive
        (measured(score: 720, dti: 36), "review"),  // DTI misses prime; score above good's band
        (measured(score: 719, dti: 50), "good"),
        (measured(score: 660, dti: 50), "good"),
        (measured(score: 659, dti: 20), "low-debt"),  // open score bounds, DTI edge inclusive
        (measured(score: 659, dti: 21), "subprime"),  // open minimum
        (measured(score: 300, dti: 90), "subprime"),
        (measured(score: 850, dti: 90), "review"),  // no route matches: the default
        (measured(score: nil, dti: 10), "low-debt"),  // a score bound needs a score
        (measured(score: 700, dti: nil), "good"),  // a DTI bound needs a DTI
    ])
    func routesToTheFirstRouteWhoseBoundsAllMatch(results: LeadCheckResults, route: String) {
        #expect(Self.routed.decide(results) == LeadDecision(qualified: true, disqualifiedBy: [], route: route))
    }

    @Test func withoutADefaultAnUnmatchedLeadHasNoRoute() {
        var config = Self.routed
        config.defaultRoute = nil
        #expect(config.decide(Self.measured(score: 850, dti: 90)).route == nil)
    }

    @Test func aDisqualifiedLeadIsNotRouted() {
        var config = Self.routed
        config.disqualify.invalidEmail = true
        config.routes.append(LeadRoute(name: "everyone"))
        let decision = config.decide(Self.measured(email: false, score: 800, dti: 10))
        #expect(decision == LeadDecision(qualified: false, disqualifiedBy: [.invalidEmail], route: nil))
    }

    @Test func aSkippedCreditCheckFallsToTheDefaultRoute() {
        let skipped = LeadCheckResults(emailValid: true, phoneValid: true, creditCheckCompleted: false)
        #expect(Self.routed.decide(skipped).route == "review")
    }

    @Test func aSkippedCreditCheckTakesOnlyBoundFreeRoutes() {
        var config = Self.strict
        config.routes = Self.routed.routes + [LeadRoute(name: "manual"), LeadRoute(name: "never")]
        let skipped = LeadCheckResults(emailValid: true, phoneValid: true, creditCheckCompleted: false, creditScore: 800)
        // Not disqualified by the score and DTI rules it could not be measured against either.
        #expect(config.decide(skipped) == LeadDecision(qualified: true, disqualifiedBy: [], route: "manual"))
    }

    @Test func anEventWithoutRoutesUsesItsDefault() {
        let config = EventConfig(name: "Webinar", emailValidation: true, defaultRoute: "sales")
        #expect(config.decide(LeadCheckResults(emailValid: true)).route == "sales")
    }
}
