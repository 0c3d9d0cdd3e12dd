/// The numbering-plan rules `PhoneNumber.parse` applies once it knows the
/// calling code: which trunk prefix to drop, which region a national number
/// belongs to, and which lengths that region allows.
///
/// The tables below are written by hand from the reference
/// (shared/reference/numbers-and-addresses.md) and libphonenumber's metadata.
/// The long generated lists live in CallingCodes.swift and NANPAreaCodes.swift.
enum PhoneNumberPlan {
    /// E.164 caps a number at 15 digits, calling code included.
    static let maxE164Digits = 15
    /// No country outside the priced table gets a length check of its own, but
    /// fewer than 4 national digits is never a subscriber number.
    static let minNationalDigits = 4
    /// A bound on the text `parse` reads at all, so pasting a document costs
    /// nothing; 64 characters leave room for generous formatting.
    static let maxInputCharacters = 64

    /// National significant number lengths ("all number types") of the 47
    /// countries Tally prices SMS for, as the reference lists them. Benin keeps
    /// 8 beside its new 10-digit plan because the reference does.
    static let nationalNumberLengths: [String: Set<Int>] = [
        "FR": [9], "BE": [8, 9], "CH": [9, 12], "RE": [9], "AE": Set(5...12),
        "GP": [9], "MQ": [9], "PF": [6, 8, 9], "GF": [9], "US": [10],
        "NC": [6], "CI": [10], "CM": [8, 9], "DE": Set(4...15), "TN": [8],
        "PK": Set(8...12), "ES": [9], "HT": [8], "DZ": [8, 9], "SN": [9],
        "IL": Set(7...12), "LU": Set(4...11), "SE": Set(6...10).union([12]),
        "IT": Set(6...12), "BJ": [8, 10], "TR": [7, 10, 12, 13], "NL": Set(5...11),
        "PL": Set(6...10), "GB": [7, 9, 10], "ID": Set(7...17), "JP": Set(8...17),
        "TH": [8, 9, 10, 13], "KR": Set([5, 6]).union(8...14), "IE": Set(7...10),
        "MX": [10], "RU": [10, 14], "CN": Set(7...12), "PT": [9], "DK": [8],
        "FI": Set(5...12), "SA": [9, 10], "IN": Set(8...13),
        "AU": Set(5...10).union([12]), "LK": [9], "NZ": Set(5...10), "BR": Set(8...11),
        "GR": Set(10...12),
    ]

    /// Calling codes whose national numbers may themselves begin with the
    /// trunk prefix digits, so those digits stay when the number fits its
    /// country's lengths as typed and would not fit without them: Russian 812
    /// (St Petersburg) and 800 start with 8, Russia's trunk prefix; and for
    /// NANP keeping the 1 of "+1 123 456 7890" reports the bad area code
    /// instead of "too short". Elsewhere a leading trunk prefix always goes.
    static let callingCodesKeepingAmbiguousTrunkDigits: Set<Int> = [1, 7]

    /// Calling codes shared by several regions, decided by the start of the
    /// national number (NANP has its own rules in `nanpRegion`). Prefixes come
    /// from libphonenumber 9.0.43, whose region order settles overlaps, except
    /// where noted. A region missing from this table owns its code alone.
    static let sharedCallingCodes: [Int: SharedCallingCode] = [
        // Russia and Kazakhstan: the first digit decides; 0, 1, 2 and 5 are unassigned.
        7: SharedCallingCode(otherwise: nil, prefixes: ["RU": ["3", "4", "8", "9"], "KZ": ["6", "7"]]),
        // Vatican City: Rome numbers 06 698…; its mobiles are Italian ranges.
        39: SharedCallingCode(otherwise: "IT", prefixes: ["VA": ["06698"]]),
        // Crown Dependencies. 07924 is Manx Telecom's: libphonenumber lists it
        // for IM but lets GB's wider mobile range win; Tally follows the
        // allocation. GG's 980/981 are premium ranges libphonenumber gives GG.
        44: SharedCallingCode(
            otherwise: "GB",
            prefixes: [
                "GG": ["1481", "7781", "7839", "79111", "79117", "980", "981"],
                "JE": ["1534", "7509", "77003", "77007", "77008", "7797", "7829", "7937"],
                "IM": ["1624", "74576", "7524", "7624", "7924"],
            ]
        ),
        // Svalbard and Jan Mayen: fixed lines 79; mobiles are Norwegian ranges.
        47: SharedCallingCode(otherwise: "NO", prefixes: ["SJ": ["79"]]),
        // Cocos (Keeling) and Christmas Islands: the 08 ranges Australia's own
        // plan leaves out; 08 9162 and 08 9164 are the islands' exchanges.
        61: SharedCallingCode(
            otherwise: "AU",
            prefixes: [
                "CC": [
                    "851002", "851031", "851060", "851089", "851118", "851176", "851223",
                    "89162", "891703",
                ],
                "CX": [
                    "851001", "851030", "851059", "851088", "851117", "851146", "851175",
                    "851222", "851235", "89164", "891958",
                ],
            ]
        ),
        // Réunion (262, 263, 692, 693 …) and Mayotte (269, 639 …).
        262: SharedCallingCode(
            otherwise: "RE",
            prefixes: [
                "YT": [
                    "2689", "269", "639", "70935", "70936", "70937", "93980", "93981", "94780",
                    "94781", "9769",
                ]
            ]
        ),
        // Saint Helena and Tristan da Cunha.
        290: SharedCallingCode(otherwise: "SH", prefixes: ["TA": ["8"]]),
        // Åland: fixed lines 018 (libphonenumber) and the Ålcom mobile blocks
        // 0457 0/3/5 from Traficom's prefix list, which libphonenumber files
        // under Finland.
        358: SharedCallingCode(otherwise: "FI", prefixes: ["AX": ["18", "4570", "4573", "4575"]]),
        // Every 69x mobile is Guadeloupe's; Saint-Barthélemy and Saint-Martin
        // differ only by fixed-line blocks (0590 87 goes to BL, as in
        // libphonenumber, whose BL entry precedes MF).
        590: SharedCallingCode(
            otherwise: "GP",
            prefixes: [
                "BL": ["59027", "59029", "59051", "59052", "59087"],
                "MF": [
                    "59000", "59007", "59009", "59013", "59030", "59043", "59050", "59056",
                    "59058", "59077", "59079",
                ],
            ]
        ),
        // Curaçao and the Caribbean Netherlands (Bonaire, Sint Eustatius, Saba).
        599: SharedCallingCode(otherwise: "CW", prefixes: ["BQ": ["3", "4", "7"]]),
    ]
}

/// How one shared calling code splits between regions: the longest matching
/// prefix of the national number wins, else the code's main region.
struct SharedCallingCode: Sendable {
    /// The region of a number no prefix claims, or nil when such a number is
    /// unassigned (+7 0…).
    let otherwise: String?
    let regionByPrefix: [String: String]
    let longestPrefix: Int

    /// Takes prefixes grouped by region, the way the tables above read.
    init(otherwise: String?, prefixes: [String: [String]]) {
        self.otherwise = otherwise
        var regionByPrefix: [String: String] = [:]
        for (region, regionPrefixes) in prefixes {
            for prefix in regionPrefixes {
                precondition(regionByPrefix[prefix] == nil, "prefix \(prefix) listed twice")
                regionByPrefix[prefix] = region
            }
        }
        self.regionByPrefix = regionByPrefix
        self.longestPrefix = regionByPrefix.keys.map(\.count).max() ?? 0
    }

    func region(of nationalNumber: String) -> String? {
        for length in stride(from: min(longestPrefix, nationalNumber.count), through: 1, by: -1) {
            if let region = regionByPrefix[String(nationalNumber.prefix(length))] {
                return region
            }
        }
        return otherwise
    }
}

// MARK: - Decisions

extension PhoneNumberPlan {
    /// The region dialled by a national number typed without a calling code.
    /// Non-geographic "001" is excluded: it is no place a caller lives in.
    static let callingCodeByRegion: [String: Int] = {
        var codes: [String: Int] = [:]
        for (code, regions) in regionsByCallingCode {
            for region in regions where region != "001" { codes[region] = code }
        }
        return codes
    }()

    /// Every NANP area code with its region: US states, NANP-wide services
    /// (filed under US, as libphonenumber does), then Canada and the rest.
    static let nanpRegionByAreaCode: [Int: String] = {
        var regions: [Int: String] = [:]
        for code in usGeographicAreaCodes.union(nanpNonGeographicAreaCodes) { regions[code] = "US" }
        for (region, codes) in nanpAreaCodesByRegion {
            for code in codes {
                precondition(regions[code] == nil, "NANP area code \(code) listed twice")
                regions[code] = region
            }
        }
        return regions
    }()

    /// Splits international digits into calling code and the rest. Calling
    /// codes are prefix-free, so the first of 1, 2 or 3 digits that is
    /// assigned is the only possible one. None starts with 0 (and "061" must
    /// not read as 61).
    static func splitCallingCode(_ digits: String) -> (code: Int, rest: String)? {
        guard !digits.hasPrefix("0") else { return nil }
        for length in 1...3 where digits.count >= length {
            if let code = Int(digits.prefix(length)), regionsByCallingCode[code] != nil {
                return (code, String(digits.dropFirst(length)))
            }
        }
        return nil
    }

    /// Drops the national trunk prefix ("0" in "+33 0 6…", "8" in "8 912…")
    /// where the country has one; a country without one (IT, CI, BJ) keeps
    /// every digit.
    static func removingTrunkPrefix(_ digits: String, callingCode: Int) -> String {
        guard let prefix = trunkPrefixByCallingCode[callingCode], digits.hasPrefix(prefix) else {
            return digits
        }
        let stripped = String(digits.dropFirst(prefix.count))
        if callingCodesKeepingAmbiguousTrunkDigits.contains(callingCode) {
            let mainRegion = regionsByCallingCode[callingCode]?.first ?? ""
            let fitsAsTyped = allowsLength(digits.count, region: mainRegion, callingCode: callingCode)
            let fitsStripped = allowsLength(stripped.count, region: mainRegion, callingCode: callingCode)
            if fitsAsTyped && !fitsStripped { return digits }
        }
        return stripped
    }

    /// The region a national number belongs to, or why it belongs to none.
    static func region(callingCode: Int, nationalNumber: String) -> Result<String, PhoneNumberError> {
        if callingCode == 1 { return nanpRegion(nationalNumber) }
        if let shared = sharedCallingCodes[callingCode] {
            guard let region = shared.region(of: nationalNumber) else { return .failure(.unassignedAreaCode) }
            return .success(region)
        }
        guard let region = regionsByCallingCode[callingCode]?.first else { return .failure(.unknownCallingCode) }
        return .success(region)
    }

    /// NANP numbers are NXX-NXX-XXXX (N = 2–9), and only the area code tells
    /// the US from Canada, Jamaica or Puerto Rico. An area code in no list is
    /// refused rather than guessed, so it can never be priced as the US.
    static func nanpRegion(_ nationalNumber: String) -> Result<String, PhoneNumberError> {
        let digits = Array(nationalNumber.utf8)
        guard digits.count >= 10 else { return .failure(.tooShort) }
        guard digits.count == 10 else { return .failure(.invalidLength) }
        guard digits[0] >= UInt8(ascii: "2") else { return .failure(.invalidAreaCode) }
        guard digits[3] >= UInt8(ascii: "2") else { return .failure(.invalidExchangeCode) }
        guard let areaCode = Int(nationalNumber.prefix(3)), let region = nanpRegionByAreaCode[areaCode] else {
            return .failure(.unassignedAreaCode)
        }
        return .success(region)
    }

    /// Priced countries allow exactly their listed lengths; any other region
    /// needs 4 national digits and fits E.164 (checked before this).
    static func allowsLength(_ count: Int, region: String, callingCode: Int) -> Bool {
        if let lengths = nationalNumberLengths[region] { return lengths.contains(count) }
        return count >= minNationalDigits && decimalDigits(callingCode) + count <= maxE164Digits
    }

    /// `nil` when the length is allowed, else the error that explains it.
    static func lengthError(_ count: Int, region: String, callingCode: Int) -> PhoneNumberError? {
        if allowsLength(count, region: region, callingCode: callingCode) { return nil }
        let minimum = nationalNumberLengths[region]?.min() ?? minNationalDigits
        return count < minimum ? .tooShort : .invalidLength
    }

    static func decimalDigits(_ value: Int) -> Int { String(value).count }
}
