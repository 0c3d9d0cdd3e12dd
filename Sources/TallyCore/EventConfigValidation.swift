import Foundation

/// One thing wrong with an event config: the field, as a path like `routes[1].minCreditScore`,
/// and why, in words fit for an API client.
public struct EventConfigProblem: Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// Every problem of an event config at once, so a client fixes them in one round trip.
public struct EventConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Never empty; in field order (name, disqualify, routes, defaultRoute).
    public var problems: [EventConfigProblem]

    public init(problems: [EventConfigProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "; ") }
}

extension EventConfig {
    /// Characters allowed in an event's name, after trimming.
    public static let nameLength = 1...200
    /// Characters allowed in a route's name (and the default route's), after trimming.
    public static let routeNameLength = 1...100
    /// Routes are tried one by one for every lead, so their number is bounded.
    public static let maxRoutes = 20
    /// The credit bureau's score scale.
    public static let creditScoreRange = 300...850
    /// A debt-to-income ratio, in whole percent.
    public static let dtiPercentRange = 0...100

    /// Checks every field and applies SPEC's rule that a credit check turns both
    /// validations on (SPEC "Priced features": a credit check requires them).
    ///
    /// Returns the normalised config — names trimmed, validations forced on by a credit
    /// check — or every problem found, each named by its field path.
    public func validated() -> Result<EventConfig, EventConfigError> {
        var normalised = self
        normalised.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        normalised.routes = routes.map { route in
            var route = route
            route.name = route.name.trimmingCharacters(in: .whitespacesAndNewlines)
            return route
        }
        normalised.defaultRoute = defaultRoute?.trimmingCharacters(in: .whitespacesAndNewlines)
        if creditCheck != .none {
            normalised.emailValidation = true
            normalised.phoneValidation = true
        }

        let problems = normalised.problems()
        return problems.isEmpty ? .success(normalised) : .failure(EventConfigError(problems: problems))
    }

    /// The problems of an already trimmed config, in field order.
    private func problems() -> [EventConfigProblem] {
        var problems: [EventConfigProblem] = []
        func report(_ field: String, _ reason: String) {
            problems.append(EventConfigProblem(field: field, reason: reason))
        }
        // Score rules need a measured score, which either credit check gives; DTI rules need DTI.
        let needsScoreCheck = "needs creditCheck credit_score or dti"
        let needsDTICheck = "needs creditCheck dti"
        let scoreRange = "must be within \(Self.creditScoreRange)"
        let dtiRange = "must be within \(Self.dtiPercentRange)"

        if !Self.nameLength.contains(name.unicodeScalars.count) {
            report("name", "must be \(Self.nameLength) characters after trimming")
        }

        if let minimum = disqualify.minCreditScore {
            if !Self.creditScoreRange.contains(minimum) { report("disqualify.minCreditScore", scoreRange) }
            if !creditCheck.measuresCreditScore { report("disqualify.minCreditScore", needsScoreCheck) }
        }
        if let maximum = disqualify.maxDtiPercent {
            if !Self.dtiPercentRange.contains(maximum) { report("disqualify.maxDtiPercent", dtiRange) }
            if !creditCheck.measuresDTI { report("disqualify.maxDtiPercent", needsDTICheck) }
        }

        if routes.count > Self.maxRoutes {
            report("routes", "must hold at most \(Self.maxRoutes) routes")
        }
        var firstIndexByName: [String: Int] = [:]
        for (index, route) in routes.enumerated() {
            let path = "routes[\(index)]"
            if !Self.routeNameLength.contains(route.name.unicodeScalars.count) {
                report("\(path).name", "must be \(Self.routeNameLength) characters after trimming")
            } else if let first = firstIndexByName[route.name] {
                // The later one is named, since the first is the route a lead would get.
                report("\(path).name", "duplicates routes[\(first)].name")
            } else {
                firstIndexByName[route.name] = index
            }
            for (key, bound) in [("minCreditScore", route.minCreditScore), ("maxCreditScore", route.maxCreditScore)] {
                guard let bound else { continue }
                if !Self.creditScoreRange.contains(bound) { report("\(path).\(key)", scoreRange) }
                if !creditCheck.measuresCreditScore { report("\(path).\(key)", needsScoreCheck) }
            }
            if let minimum = route.minCreditScore, let maximum = route.maxCreditScore,
                Self.creditScoreRange.contains(minimum), Self.creditScoreRange.contains(maximum),
                minimum > maximum
            {
                // Only compared when both are on the scale: an off-scale bound is already reported.
                report("\(path).maxCreditScore", "must be at least minCreditScore (\(minimum))")
            }
            if let maximum = route.maxDtiPercent {
                if !Self.dtiPercentRange.contains(maximum) { report("\(path).maxDtiPercent", dtiRange) }
                if !creditCheck.measuresDTI { report("\(path).maxDtiPercent", needsDTICheck) }
            }
        }

        // An empty default is a mistake, not "no default": a client clears it with null.
        if let defaultRoute, !Self.routeNameLength.contains(defaultRoute.count) {
            report("defaultRoute", "must be \(Self.routeNameLength) characters after trimming")
        }
        return problems
    }
}
