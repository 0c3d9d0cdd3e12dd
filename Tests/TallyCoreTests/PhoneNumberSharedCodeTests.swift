import Testing

@testable import TallyCore

@Suite("Phone numbers: calling codes shared by several countries")
struct PhoneNumberSharedCodeTests {
    /// +1 is the US only for US area codes: Canada, the Caribbean and the US
    /// territories are their own destinations, and an area code nobody holds
    /// is refused rather than priced as the US.
    @Test(arguments: [
        PhoneVector("+1 201 555 0123", .number("+12015550123", region: "US")),
        PhoneVector("+1 202 555 0123", .number("+12025550123", region: "US")),  // DC
        PhoneVector("+1 907 555 0123", .number("+19075550123", region: "US")),  // Alaska
        PhoneVector("+1 808 555 0123", .number("+18085550123", region: "US")),  // Hawaii
        PhoneVector("+1 800 234 5678", .number("+18002345678", region: "US")),  // toll-free
        PhoneVector("+1 416 234 5678", .number("+14162345678", region: "CA")),
        PhoneVector("+1 604 234 5678", .number("+16042345678", region: "CA")),
        PhoneVector("+1 204 234 5678", .number("+12042345678", region: "CA")),
        PhoneVector("+1 876 512 3456", .number("+18765123456", region: "JM")),
        PhoneVector("+1 658 512 3456", .number("+16585123456", region: "JM")),
        PhoneVector("+1 787 234 5678", .number("+17872345678", region: "PR")),
        PhoneVector("+1 939 234 5678", .number("+19392345678", region: "PR")),
        PhoneVector("+1 809 234 5678", .number("+18092345678", region: "DO")),
        PhoneVector("+1 849 234 5678", .number("+18492345678", region: "DO")),
        PhoneVector("+1 340 234 5678", .number("+13402345678", region: "VI")),
        PhoneVector("+1 671 234 5678", .number("+16712345678", region: "GU")),
        PhoneVector("+1 670 234 5678", .number("+16702345678", region: "MP")),
        PhoneVector("+1 684 234 5678", .number("+16842345678", region: "AS")),
        PhoneVector("+1 242 234 5678", .number("+12422345678", region: "BS")),
        PhoneVector("+1 246 234 5678", .number("+12462345678", region: "BB")),
        PhoneVector("+1 441 234 5678", .number("+14412345678", region: "BM")),
        PhoneVector("+1 868 234 5678", .number("+18682345678", region: "TT")),
        PhoneVector("+1 721 234 5678", .number("+17212345678", region: "SX")),
        PhoneVector("+1 123 456 7890", .error(.invalidAreaCode)),
        PhoneVector("+1 023 456 7890", .error(.invalidAreaCode)),
        PhoneVector("+1 201 155 0123", .error(.invalidExchangeCode)),
        PhoneVector("+1 201 055 0123", .error(.invalidExchangeCode)),
        PhoneVector("+1 211 234 5678", .error(.unassignedAreaCode)),  // N11 service code
        PhoneVector("+1 999 234 5678", .error(.unassignedAreaCode)),
        PhoneVector("+1 201 555 012", .error(.tooShort)),
        PhoneVector("+1 201 555 01234", .error(.invalidLength)),
    ])
    func northAmericanNumberingPlan(_ vector: PhoneVector) {
        #expect(PhoneParseOutcome(vector.text) == vector.expected)
    }

    /// The other shared codes, each split by the start of the national number.
    @Test(arguments: [
        // +7: Russia 3/4/8/9, Kazakhstan 6/7, nobody else.
        PhoneVector("+7 912 345 67 89", .number("+79123456789", region: "RU")),
        PhoneVector("+7 495 123 45 67", .number("+74951234567", region: "RU")),
        PhoneVector("+7 812 123 45 67", .number("+78121234567", region: "RU")),
        PhoneVector("+7 343 123 45 67", .number("+73431234567", region: "RU")),
        PhoneVector("+7 701 123 45 67", .number("+77011234567", region: "KZ")),
        PhoneVector("+7 727 123 45 67", .number("+77271234567", region: "KZ")),
        PhoneVector("+7 600 123 45 67", .number("+76001234567", region: "KZ")),
        PhoneVector("+7 512 345 67 89", .error(.unassignedAreaCode)),
        PhoneVector("+7 012 345 67 89", .error(.unassignedAreaCode)),
        // +262: Réunion and Mayotte.
        PhoneVector("+262 692 12 34 56", .number("+262692123456", region: "RE")),
        PhoneVector("+262 693 12 34 56", .number("+262693123456", region: "RE")),
        PhoneVector("+262 262 12 34 56", .number("+262262123456", region: "RE")),
        PhoneVector("+262 263 12 34 56", .number("+262263123456", region: "RE")),
        PhoneVector("+262 639 12 34 56", .number("+262639123456", region: "YT")),
        PhoneVector("+262 269 61 23 45", .number("+262269612345", region: "YT")),
        // +590: every 69x mobile is Guadeloupe's; some fixed lines are not.
        PhoneVector("+590 690 00 12 34", .number("+590690001234", region: "GP")),
        PhoneVector("+590 691 28 12 34", .number("+590691281234", region: "GP")),
        PhoneVector("+590 590 20 12 34", .number("+590590201234", region: "GP")),
        PhoneVector("+590 590 27 12 34", .number("+590590271234", region: "BL")),
        PhoneVector("+590 590 87 12 34", .number("+590590871234", region: "BL")),
        PhoneVector("+590 590 77 12 34", .number("+590590771234", region: "MF")),
        PhoneVector("+590 590 29 12 34", .number("+590590291234", region: "BL")),
        // +44: Britain and the Crown Dependencies.
        PhoneVector("+44 7400 123456", .number("+447400123456", region: "GB")),
        PhoneVector("+44 20 7946 0018", .number("+442079460018", region: "GB")),
        PhoneVector("+44 7781 123456", .number("+447781123456", region: "GG")),
        PhoneVector("+44 1481 712345", .number("+441481712345", region: "GG")),
        PhoneVector("+44 7911 123456", .number("+447911123456", region: "GG")),
        PhoneVector("+44 7911 023456", .number("+447911023456", region: "GB")),
        PhoneVector("+44 7797 123456", .number("+447797123456", region: "JE")),
        PhoneVector("+44 7700 300123", .number("+447700300123", region: "JE")),
        PhoneVector("+44 7700 900123", .number("+447700900123", region: "GB")),  // Ofcom drama range
        PhoneVector("+44 1534 712345", .number("+441534712345", region: "JE")),
        PhoneVector("+44 7624 123456", .number("+447624123456", region: "IM")),
        PhoneVector("+44 7924 123456", .number("+447924123456", region: "IM")),
        PhoneVector("+44 1624 612345", .number("+441624612345", region: "IM")),
        // +39: Italy and Vatican City, both keeping the leading 0.
        PhoneVector("+39 06 698 12345", .number("+390669812345", region: "VA")),
        PhoneVector("+39 06 1234 5678", .number("+390612345678", region: "IT")),
        PhoneVector("+39 312 345 6789", .number("+393123456789", region: "IT")),
        // +358: Finland and Åland.
        PhoneVector("+358 41 234 5678", .number("+358412345678", region: "FI")),
        PhoneVector("+358 9 123 4567", .number("+35891234567", region: "FI")),
        PhoneVector("+358 18 123 456", .number("+35818123456", region: "AX")),
        PhoneVector("+358 457 312 3456", .number("+3584573123456", region: "AX")),
        PhoneVector("+358 457 912 3456", .number("+3584579123456", region: "FI")),
        // +61: Australia, Cocos (Keeling) and Christmas Islands.
        PhoneVector("+61 412 345 678", .number("+61412345678", region: "AU")),
        PhoneVector("+61 8 9123 4567", .number("+61891234567", region: "AU")),
        PhoneVector("+61 8 9162 1234", .number("+61891621234", region: "CC")),
        PhoneVector("+61 8 9164 1234", .number("+61891641234", region: "CX")),
        // The rest of the world's shared codes.
        PhoneVector("+47 22 12 34 56", .number("+4722123456", region: "NO")),
        PhoneVector("+47 79 12 34 56", .number("+4779123456", region: "SJ")),
        PhoneVector("+599 9 512 3456", .number("+59995123456", region: "CW")),
        PhoneVector("+599 717 1234", .number("+5997171234", region: "BQ")),
        PhoneVector("+290 8123", .number("+2908123", region: "TA")),
        PhoneVector("+212 612 345678", .number("+212612345678", region: "MA")),
    ])
    func otherSharedCodes(_ vector: PhoneVector) {
        #expect(PhoneParseOutcome(vector.text) == vector.expected)
    }

    /// The generated +1 lists never give one area code to two regions, and
    /// US territories are never "US".
    @Test func nanpListsAreDisjoint() {
        var seen: [Int: String] = [:]
        for code in PhoneNumberPlan.usGeographicAreaCodes { seen[code] = "US" }
        for code in PhoneNumberPlan.nanpNonGeographicAreaCodes {
            #expect(seen.updateValue("US", forKey: code) == nil, "area code \(code) listed twice")
        }
        for (region, codes) in PhoneNumberPlan.nanpAreaCodesByRegion {
            for code in codes {
                #expect(seen.updateValue(region, forKey: code) == nil, "area code \(code) listed twice")
            }
        }
        for territory: Int in [787, 939, 340, 671, 670, 684] {
            #expect(!PhoneNumberPlan.usGeographicAreaCodes.contains(territory))
        }
        #expect(PhoneNumberPlan.usGeographicAreaCodes.count > 300)
    }
}
