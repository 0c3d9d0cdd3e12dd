/// What an amount of credits is worth at the list price: the money value pages show beside credits.
extension Catalog {
    /// The list-price value of `credits`, in whole cents rounded down (1.000 credit is USD 0.20).
    public static func value(of credits: Credits) -> Money {
        let (scaled, overflow) = credits.thousandths.multipliedReportingOverflow(by: centsPerCredit)
        precondition(!overflow, "credits value overflow")
        return Money(cents: scaled / 1000)
    }
}
