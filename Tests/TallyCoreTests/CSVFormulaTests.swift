import TallyCore
import Testing

/// A cell never becomes a formula, whatever separator the spreadsheet splits on.
@Suite("CSV cells behind a separator")
struct CSVFormulaTests {
    @Test(arguments: [
        ("a;=1+1", "\"a;'=1+1\""),
        ("a,=1+1", "\"a,'=1+1\""),
        ("a\t=1+1", "\"a\t'=1+1\""),
        ("a\n@SUM(A1)", "\"a\n'@SUM(A1)\""),
        ("a\r\n+1", "\"a\r\n'+1\""),
        ("a; -2+3", "\"a; '-2+3\""),
        ("x;=HYPERLINK(\"h\")", "\"x;'=HYPERLINK(\"\"h\"\")\""),
        ("=1;=2", "\"'=1;'=2\""),
        ("a;b", "\"a;b\""),
        ("a=1+1", "a=1+1"),
        ("a - b", "a - b"),
        ("ivy+tag@example.com", "ivy+tag@example.com"),
    ])
    func aFormulaAfterASeparatorIsQuotedAndNeutralised(value: String, cell: String) {
        #expect(CSV.field(value) == cell)
    }

    /// Read as a spreadsheet that splits on `;` (or tabs, or line breaks) and ignores
    /// quotes would: no piece starts a formula.
    @Test(arguments: ["a;=1+1", "a,=1+1", "a\t+1", "b\n-2+3", "c;  @x", "=1;=2", "d;=e;=f"])
    func noPieceOfACellStartsAFormula(value: String) {
        let pieces = CSV.field(value).split(whereSeparator: { ";,\t\n\r\"".contains($0) })
        for piece in pieces {
            let start = piece.drop { $0 == " " }.first
            #expect(start.map { !"=+-@".contains($0) } ?? true, "\(piece) in \(CSV.field(value))")
        }
    }
}
