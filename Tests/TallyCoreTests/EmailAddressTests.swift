import TallyCore
import Testing

private func repeated(_ text: String, _ count: Int) -> String {
    String(repeating: text, count: count)
}

/// Builds a domain of `lengths` labels of x, y, z … joined by dots.
private func domain(labelLengths lengths: [Int], topLevel: String = "com") -> String {
    let letters = Array("bcdefghijklmnopqrstuvw")
    let labels = lengths.enumerated().map { repeated(String(letters[$0.offset]), $0.element) }
    return (labels + [topLevel]).joined(separator: ".")
}

@Suite("Email addresses pass the syntax layer")
struct EmailAddressTests {
    @Test(arguments: [
        // The reference table.
        ("john.doe@example.com", "john.doe@example.com"),
        (" Jean.Dupont+leads@Example.COM ", "Jean.Dupont+leads@example.com"),
        ("o'connor@example.ie", "o'connor@example.ie"),
        (repeated("x", 64) + "@example.com", repeated("x", 64) + "@example.com"),
        ("john@münchen.de", "john@xn--mnchen-3ya.de"),
        ("info@example.com", "info@example.com"),
        // The local part keeps its case, the domain does not.
        ("John.Doe@EXAMPLE.com", "John.Doe@example.com"),
        ("\t john@example.com \r\n", "john@example.com"),
        ("!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com"),
        ("a@b.co", "a@b.co"),
        ("user@mail.sub.example.co.uk", "user@mail.sub.example.co.uk"),
        ("user@123.example", "user@123.example"),
        ("user@a-b--c.example.com", "user@a-b--c.example.com"),
        ("user@example.com1", "user@example.com1"),
        // Special-use only as the top-level name: these are ordinary domains.
        ("user@example.org", "user@example.org"),
        ("user@test.com", "user@test.com"),
        ("user@localhost.com", "user@localhost.com"),
        ("user@local.example.com", "user@local.example.com"),
        // .invalid parses on purpose; the sandbox verifier answers "undeliverable".
        ("user@mail.invalid", "user@mail.invalid"),
        // IDN: lower-cased and normalised before Punycode.
        ("john@bücher.example", "john@xn--bcher-kva.example"),
        ("john@例え.jp", "john@xn--r8jz45g.jp"),
        ("john@MÜNCHEN.DE", "john@xn--mnchen-3ya.de"),
        ("john@mu\u{308}nchen.de", "john@xn--mnchen-3ya.de"),
        ("john@xn--mnchen-3ya.de", "john@xn--mnchen-3ya.de"),
        ("john@παράδειγμα.δοκιμή", "john@xn--hxajbheg2az3al.xn--jxalpdlp"),
        ("john@straße.de", "john@xn--strae-oqa.de"),
        ("john@example。com", "john@example.com"),
        ("john@ｅｘａｍｐｌｅ.com", "john@example.com"),
    ])
    func acceptsAndNormalises(typed: String, stored: String) throws {
        let address = try EmailAddress.parse(typed).get()
        #expect(address.description == stored)
    }

    @Test func keepsTheLocalPartAsTypedAndTheDomainLowerCased() throws {
        let address = try EmailAddress.parse(" Jean.Dupont+leads@Example.COM ").get()
        #expect(address.localPart == "Jean.Dupont+leads")
        #expect(address.domain == "example.com")
        #expect(try EmailAddress.parse("a@Example.com").get() == EmailAddress.parse("a@example.COM").get())
        #expect(try EmailAddress.parse("A@example.com").get() != EmailAddress.parse("a@example.com").get())
        #expect(try EmailAddress.parse("a@münchen.de").get() == EmailAddress.parse("a@xn--mnchen-3ya.de").get())
    }

    @Test(arguments: [
        ("", EmailAddressError.empty),
        (" \t\n", .empty),
        ("john.example.com", .missingAt),
        ("john＠example.com", .missingAt),
        ("john@@example.com", .multipleAt),
        ("a@b@example.com", .multipleAt),
        ("@example.com", .emptyLocalPart),
        (repeated("x", 65) + "@example.com", .localPartTooLong),
        ("john doe@example.com", .invalidLocalPartCharacter(" ")),
        ("john(work)@example.com", .invalidLocalPartCharacter("(")),
        ("jo\"hn@example.com", .invalidLocalPartCharacter("\"")),
        ("john,doe@example.com", .invalidLocalPartCharacter(",")),
        ("john..doe@example.com", .invalidLocalPartDots),
        (".john@example.com", .invalidLocalPartDots),
        ("john.@example.com", .invalidLocalPartDots),
        ("\"john doe\"@example.com", .quotedLocalPart),
        ("\"john@doe\"@example.com", .quotedLocalPart),
        ("jöhn@example.com", .nonASCIILocalPart),
        ("用户@例子.广告", .nonASCIILocalPart),
        ("john@", .emptyDomain),
        ("a@" + domain(labelLengths: [63, 63, 63, 58]), .domainTooLong),
        ("a@" + domain(labelLengths: [63, 63, 63, 57]), .addressTooLong),
        ("john@example..com", .emptyDomainLabel),
        ("john@.example.com", .emptyDomainLabel),
        ("john@" + repeated("a", 64) + ".com", .labelTooLong),
        ("john@-example.com", .invalidDomainLabel("-example")),
        ("john@example-.com", .invalidDomainLabel("example-")),
        ("john@exa_mple.com", .invalidDomainLabel("exa_mple")),
        ("john@exa mple.com", .invalidDomainLabel("exa mple")),
        ("john@😀.com", .invalidDomainLabel("😀")),
        ("john@example", .singleLabelDomain),
        ("john@com", .singleLabelDomain),
        ("john@1.2.3.4", .numericTopLevelDomain),
        ("john@example.123", .numericTopLevelDomain),
        ("john@[192.168.0.1]", .ipLiteralDomain),
        ("john@[IPv6:2001:db8::1]", .ipLiteralDomain),
        ("john@example.com.", .trailingDot),
        ("john@example.com。", .trailingDot),
        ("john@localhost", .specialUseDomain("localhost")),
        ("john@app.localhost", .specialUseDomain("localhost")),
        ("john@printer.local", .specialUseDomain("local")),
        ("john@example.test", .specialUseDomain("test")),
        ("john@Example.TEST", .specialUseDomain("test")),
        ("john@duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion", .specialUseDomain("onion")),
        ("john@1.0.0.127.in-addr.arpa", .specialUseDomain("arpa")),
    ])
    func rejectsWithAReason(typed: String, error: EmailAddressError) {
        #expect(EmailAddress.parse(typed) == .failure(error))
    }

    // MARK: Length boundaries, counted in octets after IDN conversion

    @Test func theLocalPartHoldsAtMost64Octets() {
        #expect((try? EmailAddress.parse(repeated("x", 64) + "@example.com").get()) != nil)
        #expect(EmailAddress.parse(repeated("x", 65) + "@example.com") == .failure(.localPartTooLong))
    }

    @Test func theAddressHoldsAtMost254Octets() throws {
        let valid = repeated("x", 64) + "@" + domain(labelLengths: [63, 63, 57])
        #expect(valid.utf8.count == 254)
        #expect(try EmailAddress.parse(valid).get().description == valid)
        let tooLong = repeated("x", 64) + "@" + domain(labelLengths: [63, 63, 58])
        #expect(tooLong.utf8.count == 255)
        #expect(EmailAddress.parse(tooLong) == .failure(.addressTooLong))
    }

    @Test func theAddressLimitAppliesToThePunycodeForm() throws {
        // "ü" is 2 octets typed but "xn--tda" (7) once converted.
        let fits = repeated("x", 64) + "@ü." + domain(labelLengths: [63, 63, 49])
        #expect(try EmailAddress.parse(fits).get().description.utf8.count == 254)
        let over = repeated("x", 64) + "@ü." + domain(labelLengths: [63, 63, 50])
        #expect(over.utf8.count == 250)
        #expect(EmailAddress.parse(over) == .failure(.addressTooLong))
    }

    @Test func aDomainLabelHoldsAtMost63Octets() throws {
        #expect(try EmailAddress.parse("john@" + repeated("a", 63) + ".com").get().domain.count == 67)
        #expect(EmailAddress.parse("john@" + repeated("a", 64) + ".com") == .failure(.labelTooLong))
        // 55 × a + ü encodes to exactly 63 octets, 56 × a + ü to 64.
        let idn = try EmailAddress.parse("john@" + repeated("a", 55) + "ü.com").get()
        #expect(idn.domain == "xn--" + repeated("a", 55) + "-8yf.com")
        #expect(EmailAddress.parse("john@" + repeated("a", 56) + "ü.com") == .failure(.labelTooLong))
        // 62 typed characters, 68 octets once converted.
        #expect(EmailAddress.parse("john@" + repeated("ñ", 62) + ".com") == .failure(.labelTooLong))
        // A hostile label is refused before the encoder sees it.
        #expect(EmailAddress.parse("john@" + repeated("ñ", 100_000) + ".com") == .failure(.labelTooLong))
    }

    @Test func theDomainHoldsAtMost253Octets() {
        let domain254 = domain(labelLengths: [63, 63, 63, 58])
        #expect(domain254.utf8.count == 254)
        #expect(EmailAddress.parse("a@" + domain254) == .failure(.domainTooLong))
        // 253 octets is a valid domain, but "a@" makes the address 255.
        let domain253 = domain(labelLengths: [63, 63, 63, 57])
        #expect(domain253.utf8.count == 253)
        #expect(EmailAddress.parse("a@" + domain253) == .failure(.addressTooLong))
    }

    // MARK: Role accounts

    @Test(arguments: [
        ("info@example.com", true), ("INFO@example.com", true), ("Sales@example.com", true),
        ("support@example.com", true), ("admin@example.com", true), ("postmaster@example.com", true),
        ("abuse@example.com", true), ("noc@example.com", true), ("security@example.com", true),
        ("webmaster@example.com", true), ("hostmaster@example.com", true), ("marketing@example.com", true),
        ("sales+eu@example.com", true),
        ("john@example.com", false), ("information@example.com", false), ("in.fo@example.com", false),
        ("admin1@example.com", false), ("info-desk@example.com", false),
    ])
    func flagsRoleAccounts(typed: String, isRole: Bool) throws {
        #expect(try EmailAddress.parse(typed).get().isRoleAccount == isRole)
    }

    @Test func everyErrorSaysWhy() {
        let errors: [EmailAddressError] = [
            .empty, .missingAt, .multipleAt, .emptyLocalPart, .localPartTooLong, .invalidLocalPartCharacter(" "),
            .invalidLocalPartDots, .quotedLocalPart, .nonASCIILocalPart, .emptyDomain, .domainTooLong,
            .addressTooLong, .emptyDomainLabel, .labelTooLong, .invalidDomainLabel("-a"), .singleLabelDomain,
            .numericTopLevelDomain, .ipLiteralDomain, .trailingDot, .specialUseDomain("test"),
        ]
        #expect(Set(errors.map(\.reason)).count == errors.count)
        #expect(EmailAddressError.localPartTooLong.reason == "the part before @ is longer than 64 characters")
    }
}

@Suite("Punycode encodes as RFC 3492")
struct PunycodeTests {
    @Test(arguments: [
        ("münchen", "mnchen-3ya"),
        ("bücher", "bcher-kva"),
        ("例え", "r8jz45g"),
        ("ü", "tda"),
        ("straße", "strae-oqa"),
        ("ñandú", "and-6ma2c"),
        // RFC 3492 §7.1 samples (A), (B), (I), (L), (S).
        ("ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"),
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
        ("почемужеонинеговорятпорусски", "b1abfaaepdrnnbgefbadotcwatmq2g4l"),
        ("3年B組金八先生", "3B-ww4c5e180e575a65lsy2b"),
        ("-> $1.00 <-", "-> $1.00 <--"),
        ("", ""),
    ])
    func encodes(unicode: String, ascii: String) {
        #expect(Punycode.encode(unicode) == ascii)
    }
}
