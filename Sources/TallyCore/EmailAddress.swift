import Foundation

/// An email address that passed Tally's syntax layer: a dot-atom local part
/// and a DNS domain in its ASCII form.
///
/// The only way to get one is ``parse(_:)``, so a value is always valid. The
/// local part is kept exactly as typed (mailbox names may be case-sensitive,
/// RFC 5321 §2.4); the domain is lower-cased and internationalised names are
/// stored in their Punycode form (`münchen.de` → `xn--mnchen-3ya.de`), the
/// form SMTP and DNS carry and the one that compares equal however it was typed.
///
/// Syntax only: deliverability (MX records, disposable domains, typos) is a
/// verifier's job, which flags rather than rejects.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The part before `@`, as typed.
    public let localPart: String
    /// The domain, lower-cased ASCII; IDN labels are `xn--` Punycode.
    public let domain: String

    /// Limits of RFC 5321 §4.5.3.1, in octets. The address limit is 254, not
    /// 320: a forward or reverse path is at most 256 octets including `<>`.
    public static let maximumLocalPartOctets = 64
    public static let maximumAddressOctets = 254
    public static let maximumDomainOctets = 253
    public static let maximumLabelOctets = 63

    private init(localPart: String, domain: String) {
        self.localPart = localPart
        self.domain = domain
    }

    public var description: String { "\(localPart)@\(domain)" }

    /// True for the shared mailboxes of RFC 2142 (info@, sales@, abuse@ …),
    /// case-insensitive. Verifiers flag these, never reject them: a role
    /// mailbox reaches a team, not the person a lead names. A `+tag` does not
    /// change the mailbox, so `sales+eu@` is a role account too.
    public var isRoleAccount: Bool {
        let mailbox = localPart.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return Self.roleMailboxes.contains(mailbox.lowercased())
    }

    private static let roleMailboxes: Set<String> = [
        "info", "sales", "support", "admin", "postmaster", "abuse", "noc", "security",
        "webmaster", "hostmaster", "marketing",
    ]

    /// Parses an address as a person types it into a form.
    ///
    /// Surrounding ASCII whitespace is trimmed. Anything RFC 5321/5322 allows
    /// but mail systems handle badly is refused with a reason: quoted local
    /// parts, non-ASCII local parts (they need SMTPUTF8), IP literals,
    /// single-label and special-use domains.
    public static func parse(_ text: String) -> Result<EmailAddress, EmailAddressError> {
        let trimmed = trimmingASCIIWhitespace(text)
        guard !trimmed.isEmpty else { return .failure(.empty) }
        // Split on the ASCII scalar: a full-width ＠ (U+FF20) is not a separator,
        // and a combining mark after @ must not hide it inside one Character.
        let parts = trimmed.unicodeScalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return .failure(.missingAt) }
        let localPart = String(parts[0])
        // Checked before counting @: `"a@b"@example.com` is a quoted local part.
        guard !localPart.hasPrefix("\"") else { return .failure(.quotedLocalPart) }
        guard parts.count == 2 else { return .failure(.multipleAt) }

        if let error = localPartError(localPart) { return .failure(error) }
        let domain: String
        switch asciiDomain(String(parts[1])) {
        case .success(let ascii): domain = ascii
        case .failure(let error): return .failure(error)
        }
        guard localPart.utf8.count + 1 + domain.utf8.count <= maximumAddressOctets else {
            return .failure(.addressTooLong)
        }
        return .success(EmailAddress(localPart: localPart, domain: domain))
    }

    // MARK: - Local part

    /// RFC 5322 `atext`: the characters of a dot-atom besides the dot.
    private static let atext: Set<Unicode.Scalar> = Set(
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + "!#$%&'*+-/=?^_`{|}~")
            .unicodeScalars
    )

    private static func localPartError(_ localPart: String) -> EmailAddressError? {
        guard !localPart.isEmpty else { return .emptyLocalPart }
        guard localPart.unicodeScalars.allSatisfy(\.isASCII) else { return .nonASCIILocalPart }
        guard localPart.utf8.count <= maximumLocalPartOctets else { return .localPartTooLong }
        if let bad = localPart.unicodeScalars.first(where: { $0 != "." && !atext.contains($0) }) {
            return .invalidLocalPartCharacter(Character(bad))
        }
        if localPart.hasPrefix(".") || localPart.hasSuffix(".") || localPart.contains("..") {
            return .invalidLocalPartDots
        }
        return nil
    }

    // MARK: - Domain

    /// Top-level names reserved by RFC 6761/6762/7686 and RFC 3172 that never
    /// reach a mailbox on the public Internet.
    ///
    /// `invalid` (RFC 6761 §6.4) is deliberately NOT here: an address at a
    /// `.invalid` domain parses as syntactically valid so that the sandbox
    /// email verifier can answer "undeliverable" for it, which lets tests and
    /// demos exercise the invalid-email path (and its disqualification rule)
    /// with a well-formed address.
    private static let specialUseTopLevelNames: Set<String> = ["local", "localhost", "test", "onion", "arpa"]

    /// Converts the typed domain to lower-case ASCII and checks it label by label.
    private static func asciiDomain(_ typed: String) -> Result<String, EmailAddressError> {
        guard !typed.isEmpty else { return .failure(.emptyDomain) }
        guard !typed.hasPrefix("[") else { return .failure(.ipLiteralDomain) }
        let mapped = idnaMapped(typed)
        guard !mapped.hasSuffix(".") else { return .failure(.trailingDot) }

        var labels: [String] = []
        for label in mapped.split(separator: ".", omittingEmptySubsequences: false) {
            switch asciiLabel(String(label)) {
            case .success(let ascii): labels.append(ascii)
            case .failure(let error): return .failure(error)
            }
        }
        let domain = labels.joined(separator: ".")
        guard domain.utf8.count <= maximumDomainOctets else { return .failure(.domainTooLong) }
        let topLevel = labels[labels.count - 1]
        // Before the label count, so that a bare "localhost" gets the better reason.
        if specialUseTopLevelNames.contains(topLevel) { return .failure(.specialUseDomain(topLevel)) }
        guard labels.count >= 2 else { return .failure(.singleLabelDomain) }
        // An all-digit TLD would make "10.0.0.1" look like a name; none is delegated.
        guard !topLevel.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .failure(.numericTopLevelDomain)
        }
        return .success(domain)
    }

    /// An approximation of UTS #46 mapping without its tables: compatibility
    /// forms folded (full-width ｅｘａｍｐｌｅ → example), lower-cased, then
    /// NFC, and the ideographic full stops IDNA treats as dots (RFC 3490 §3.1)
    /// read as ".".
    private static func idnaMapped(_ typed: String) -> String {
        let folded = typed.precomposedStringWithCompatibilityMapping.lowercased()
            .precomposedStringWithCanonicalMapping
        var scalars = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars {
            switch scalar {
            case "\u{3002}", "\u{FF0E}", "\u{FF61}": scalars.append(".")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// One label as DNS carries it: letters, digits and inner hyphens, with a
    /// Unicode label first encoded as `xn--` Punycode.
    private static func asciiLabel(_ label: String) -> Result<String, EmailAddressError> {
        guard !label.isEmpty else { return .failure(.emptyDomainLabel) }
        guard !label.hasPrefix("-"), !label.hasSuffix("-"),
            label.unicodeScalars.allSatisfy(isLabelScalar)
        else { return .failure(.invalidDomainLabel(label)) }

        // Punycode never writes fewer characters than it reads, so a label already
        // too long is refused before encoding: that also bounds the encoder's work.
        guard label.unicodeScalars.count <= maximumLabelOctets else { return .failure(.labelTooLong) }
        let ascii: String
        if label.unicodeScalars.allSatisfy(\.isASCII) {
            ascii = label
        } else if let encoded = Punycode.encode(label) {
            ascii = "xn--" + encoded
        } else {
            return .failure(.invalidDomainLabel(label))
        }
        guard ascii.utf8.count <= maximumLabelOctets else { return .failure(.labelTooLong) }
        return .success(ascii)
    }

    /// ASCII letters, digits and hyphen; beyond ASCII, letters, combining
    /// marks and decimal digits (what IDNA2008 allows, roughly): no symbols,
    /// punctuation, emoji or spaces.
    private static func isLabelScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
        }
        switch scalar.properties.generalCategory {
        case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber:
            return true
        default:
            return false
        }
    }

    private static func trimmingASCIIWhitespace(_ text: String) -> String {
        let isWhitespace: (Unicode.Scalar) -> Bool = { " \t\n\r\u{0B}\u{0C}".unicodeScalars.contains($0) }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
            let last = scalars.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}

/// Why a typed email address is refused, one case per reason.
public enum EmailAddressError: Error, Sendable, Equatable {
    case empty
    case missingAt
    case multipleAt
    case emptyLocalPart
    case localPartTooLong
    case invalidLocalPartCharacter(Character)
    /// A dot first, last, or next to another dot.
    case invalidLocalPartDots
    case quotedLocalPart
    case nonASCIILocalPart
    case emptyDomain
    case domainTooLong
    case addressTooLong
    case emptyDomainLabel
    case labelTooLong
    case invalidDomainLabel(String)
    case singleLabelDomain
    case numericTopLevelDomain
    case ipLiteralDomain
    case trailingDot
    /// The special-use top-level name (`localhost`, `local`, `test`, `onion`, `arpa`).
    case specialUseDomain(String)

    public var reason: String {
        switch self {
        case .empty: "the email address is empty"
        case .missingAt: "the email address has no @"
        case .multipleAt: "the email address has more than one @"
        case .emptyLocalPart: "nothing comes before the @"
        case .localPartTooLong:
            "the part before @ is longer than \(EmailAddress.maximumLocalPartOctets) characters"
        case .invalidLocalPartCharacter(let character):
            "the part before @ may not contain \"\(character)\""
        case .invalidLocalPartDots:
            "the part before @ may not start or end with a dot or have two dots in a row"
        case .quotedLocalPart: "quoted names before the @ are not accepted"
        case .nonASCIILocalPart: "the part before @ may only use ASCII characters"
        case .emptyDomain: "nothing comes after the @"
        case .domainTooLong: "the domain is longer than \(EmailAddress.maximumDomainOctets) characters"
        case .addressTooLong:
            "the email address is longer than \(EmailAddress.maximumAddressOctets) characters"
        case .emptyDomainLabel: "the domain has an empty part between dots"
        case .labelTooLong:
            "a part of the domain is longer than \(EmailAddress.maximumLabelOctets) characters"
        case .invalidDomainLabel(let label):
            "the domain part \"\(label)\" may only hold letters, digits and inner hyphens"
        case .singleLabelDomain: "the domain needs at least one dot, as in example.com"
        case .numericTopLevelDomain: "the domain may not end in a number"
        case .ipLiteralDomain: "an IP address in brackets is not accepted as a domain"
        case .trailingDot: "the domain may not end with a dot"
        case .specialUseDomain(let name): "\".\(name)\" is a reserved name that cannot receive email"
        }
    }
}
