import Foundation
import TallyCore
import Testing

/// SPEC "Units", "Buying credits", "Priced features" and "SMS pricing": the catalog.
@Suite("Catalog")
struct CatalogTests {
    @Test func theSMSTableHasAll47CountriesWithTheirPublishedPrices() throws {
        #expect(Catalog.smsRates.count == 47)
        #expect(Set(Catalog.smsRates.map(\.iso)).count == 47)
        #expect(Catalog.smsRate(iso: "FR")?.creditsPerSegment == Credits(thousandths: 450))
        #expect(Catalog.smsRate(iso: "RU")?.creditsPerSegment == Credits(thousandths: 2_610))
        #expect(Catalog.smsRate(iso: "US")?.callingCode == 1)
        #expect(Catalog.smsRate(iso: "CA") == nil)
        // The compiled-in table is the published CSV, row for row, when the CSV is at hand.
        let published = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/sms-prices.csv")
        if let csv = try? String(contentsOf: published, encoding: .utf8) {
            let rows = csv.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",").map(String.init) }
            #expect(rows.map { $0[1] } == Catalog.smsRates.map(\.iso))
            #expect(rows.map { $0[3] } == Catalog.smsRates.map(\.creditsPerSegment.description))
        }
    }

    @Test(arguments: [
        (Feature.emailValidation, Int64(500)), (.phoneValidation, 1_500), (.creditScore, 15_000), (.dti, 24_000),
    ])
    func everyFeatureHasItsPrice(feature: Feature, thousandths: Int64) {
        #expect(Catalog.price(of: feature) == Credits(thousandths: thousandths))
    }

    @Test(arguments: [(Int64(100), Int64(2_000)), (500, 10_000), (1_000, 20_000), (2_000, 40_000), (5_000, 100_000), (101, 2_020)])
    func aCreditCostsTwentyCents(credits: Int64, cents: Int64) throws {
        #expect(try Catalog.purchasePrice(of: Credits(whole: credits)).get() == Money(cents: cents))
    }

    @Test func purchasesAreWholeAndAtLeastTheMinimum() {
        #expect(throws: PurchaseAmountError.belowMinimum) { try Catalog.purchasePrice(of: Credits(whole: 99)).get() }
        #expect(throws: PurchaseAmountError.notWhole) { try Catalog.purchasePrice(of: Credits(thousandths: 100_500)).get() }
        #expect(throws: PurchaseAmountError.aboveMaximum) { try Catalog.purchasePrice(of: Credits(whole: 1_000_001)).get() }
    }

    @Test func aCreditScoreCosts17AndADTI26WithTheirValidations() {
        let validations = Catalog.price(of: .emailValidation)! + Catalog.price(of: .phoneValidation)!
        #expect(Catalog.price(of: .creditScore)! + validations == Credits(whole: 17))
        #expect(Catalog.price(of: .dti)! + validations == Credits(whole: 26))
    }

    @Test(arguments: [(Int64(2_000), "20.00"), (5, "0.05"), (0, "0.00"), (100_000, "1000.00")])
    func moneyIsWrittenWithCents(cents: Int64, text: String) {
        #expect(Money(cents: cents).description == text)
        #expect(Money.parse(text) == Money(cents: cents))
    }
}
