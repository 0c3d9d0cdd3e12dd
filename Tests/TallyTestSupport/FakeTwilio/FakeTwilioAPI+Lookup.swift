import Foundation

extension FakeTwilioAPI {
    /// `GET /v2/PhoneNumbers/{PhoneNumber}`'s query parameters in the published description.
    static let lookupParameters: Set<String> = [
        "Fields", "CountryCode", "FirstName", "LastName", "AddressLine1", "AddressLine2", "City", "State", "PostalCode",
        "AddressCountryCode", "NationalId", "DateOfBirth", "LastVerifiedDate", "VerificationSid", "PartnerSubId",
    ]
    /// The values `Fields` may list.
    static let lookupFields: Set<String> = [
        "validation", "caller_name", "sim_swap", "call_forwarding", "line_status", "line_type_intelligence", "identity_match",
        "reassigned_number", "sms_pumping_risk", "phone_number_quality_score", "pre_fill",
    ]
    /// The optional packages of a `LookupResponse`: null unless asked for (and known here).
    static let lookupPackages = [
        "caller_name", "sim_swap", "call_forwarding", "line_status", "identity_match", "reassigned_number", "sms_pumping_risk",
        "phone_number_quality_score", "pre_fill",
    ]

    /// Calling codes the fake knows, longest first when matching.
    static let countries: [(callingCode: String, country: String)] = [
        ("1", "US"), ("44", "GB"), ("33", "FR"), ("49", "DE"), ("61", "AU"), ("91", "IN"), ("81", "JP"), ("34", "ES"),
    ]

    /// `(415) 555-0123` for a ten-digit North American number; the digits as they are
    /// elsewhere.
    static func nationalFormat(_ national: String, callingCode: String) -> String {
        guard callingCode == "1", national.count == 10 else { return national }
        let digits = Array(national)
        return "(\(String(digits[0..<3]))) \(String(digits[3..<6]))-\(String(digits[6...]))"
    }

    /// Lookup v2 of `number` (as in the path, percent-decoded): the answer, and whether to
    /// hold it back (`LookupPlan.silent`).
    func lookup(_ number: String, query: [(String, String)]) -> (Answer, stall: Bool) {
        if let unknown = query.first(where: { !Self.lookupParameters.contains($0.0) }) {
            return (Self.error(400, code: 60_200, message: "Invalid parameter `\(unknown.0)`"), false)
        }
        let fields = query.filter { $0.0 == "Fields" }.flatMap { $0.1.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let unknown = fields.first(where: { !Self.lookupFields.contains($0) }) {
            return (Self.error(400, code: 60_200, message: "Invalid parameter `Fields`: \(unknown) is not a valid field"), false)
        }
        let plan = lookupPlans[number] ?? .mobile
        switch plan {
        case .notFound: return (Self.error(404, code: 20_404, message: "The requested resource /PhoneNumbers/\(number) was not found"), false)
        case .failing: return (Self.error(500, code: 20_500, message: "Internal Server Error"), false)
        case .silent: return (Self.error(500, code: 20_500, message: "Internal Server Error"), true)
        case .mobile, .landline, .voip, .invalid: break
        }
        let digits = number.hasPrefix("+") ? String(number.dropFirst()) : number
        let isNumber = !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        let valid = plan != .invalid && isNumber
        let country = isNumber ? Self.countries.first { digits.hasPrefix($0.callingCode) } : nil
        var answer: [String: Any] = [
            "calling_country_code": Self.orNull(country?.callingCode),
            "country_code": Self.orNull(country?.country),
            "phone_number": isNumber ? "+" + digits : number,
            "national_format": Self.orNull(
                country.map { Self.nationalFormat(String(digits.dropFirst($0.callingCode.count)), callingCode: $0.callingCode) }
            ),
            "valid": valid,
            "validation_errors": valid ? [String]() : [isNumber ? "TOO_SHORT" : "NOT_A_NUMBER"],
            "url": baseURL + "/v2/PhoneNumbers/" + FakeTwilioWire.escape(number),
        ]
        for package in Self.lookupPackages { answer[package] = NSNull() }
        answer["line_type_intelligence"] = NSNull()
        if valid, fields.contains("line_type_intelligence") {
            let type =
                switch plan {
                case .landline: "landline"
                case .voip: "nonFixedVoip"
                default: "mobile"
                }
            answer["line_type_intelligence"] =
                [
                    "type": type,
                    "carrier_name": type == "mobile" ? "Fake Mobile Wireless" : "Fake Telecom",
                    "mobile_country_code": "310",
                    "mobile_network_code": "456",
                    "error_code": NSNull(),
                ] as [String: Any]
        }
        return (Self.ok(answer), false)
    }
}
