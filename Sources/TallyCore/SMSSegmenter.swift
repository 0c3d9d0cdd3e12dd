/// The character set an SMS travels in (3GPP TS 23.038).
///
/// One character outside the GSM-7 alphabet turns the *whole* message into
/// UCS-2, which is why a single "ç" can double a message's price.
public enum SMSEncoding: String, Sendable, Codable, Equatable {
    case gsm7 = "GSM-7"
    case ucs2 = "UCS-2"
}

/// How a message body is split for sending: its encoding, how many parts
/// (segments) it is billed as, and how many units it holds in total.
public struct SMSSegmentation: Sendable, Equatable {
    public let encoding: SMSEncoding
    /// The number of SMS parts, each billed at the destination's per-segment price.
    public let segments: Int
    /// Septets for GSM-7 (an extension character counts two), UTF-16 code
    /// units for UCS-2 (a character outside the BMP counts two).
    public let units: Int

    public init(encoding: SMSEncoding, segments: Int, units: Int) {
        self.encoding = encoding
        self.segments = segments
        self.units = units
    }
}

/// Why a message body cannot be sent. Nothing is billed for any of them.
public enum SMSBodyError: Error, Sendable, Equatable {
    case empty
    /// The one limit on a body: its segments (a very long body is refused as this too).
    case tooManySegments(maximum: Int)

    public var reason: String {
        switch self {
        case .empty:
            "the message body is empty"
        case .tooManySegments(let maximum):
            "the message body needs more than \(maximum) SMS segments "
                + "(a segment of a long message holds 153 GSM-7 or 67 UCS-2 characters)"
        }
    }
}

/// Counts the segments of an SMS body the way carriers and Twilio do (GSM 03.38).
///
/// - A body is GSM-7 only when every Unicode scalar is in the basic table (one
///   septet) or the extension table (two septets: an escape plus the code);
///   otherwise the whole body is UCS-2, counted in UTF-16 code units.
/// - One part holds 160 septets or 70 units. Past that, each part carries a
///   user-data header and holds 153 septets or 67 units.
/// - Parts are filled greedily, but an escape pair, a surrogate pair and a
///   whole grapheme cluster are never split across parts, so the count can
///   exceed `ceil(units / 153)`.
///
/// Scalars are classified one by one and the body is never normalised: what
/// is counted is exactly what is sent ("é" typed as e + U+0301 is UCS-2,
/// "\r\n" is two septets).
public struct SMSSegmenter: Sendable {
    /// The most parts one message may be billed as: the one limit on a body.
    public let maximumSegments: Int

    public init(maximumSegments: Int = 10) {
        precondition(maximumSegments >= 1, "an SMS has at least one segment")
        self.maximumSegments = maximumSegments
    }

    public func segment(_ body: String) -> Result<SMSSegmentation, SMSBodyError> {
        guard !body.isEmpty else { return .failure(.empty) }
        // Every character is at least one unit and a part holds at most 160, so a body
        // this long cannot fit: refused before anything is counted.
        guard body.unicodeScalars.count <= 160 * maximumSegments else {
            return .failure(.tooManySegments(maximum: maximumSegments))
        }
        let encoding: SMSEncoding =
            body.unicodeScalars.allSatisfy { GSM7Alphabet.septets(for: $0) != nil } ? .gsm7 : .ucs2
        let capacity = PartCapacity(encoding)
        let units = body.unicodeScalars.reduce(0) { $0 + Self.units(of: $1, in: encoding) }
        let segments =
            units <= capacity.singlePart ? 1 : Self.multipartCount(body, encoding, capacity.multipart)
        guard segments <= maximumSegments else {
            return .failure(.tooManySegments(maximum: maximumSegments))
        }
        return .success(SMSSegmentation(encoding: encoding, segments: segments, units: units))
    }

    /// Greedy fill, one grapheme cluster at a time so that no escape pair,
    /// surrogate pair or cluster straddles two parts.
    private static func multipartCount(_ body: String, _ encoding: SMSEncoding, _ perPart: Int) -> Int {
        var segments = 1
        var usedInPart = 0
        func place(_ units: Int) {
            if usedInPart + units > perPart {
                segments += 1
                usedInPart = 0
            }
            usedInPart += units
        }
        for character in body {
            let clusterUnits = character.unicodeScalars.reduce(0) { $0 + units(of: $1, in: encoding) }
            if clusterUnits <= perPart {
                place(clusterUnits)
            } else {
                // A cluster longer than a whole part (e.g. a letter with dozens of
                // combining marks) cannot stay together; split it only between
                // scalars so that pairs still never break.
                for scalar in character.unicodeScalars { place(units(of: scalar, in: encoding)) }
            }
        }
        return segments
    }

    private static func units(of scalar: Unicode.Scalar, in encoding: SMSEncoding) -> Int {
        switch encoding {
        case .gsm7: GSM7Alphabet.septets(for: scalar) ?? 0
        case .ucs2: scalar.utf16.count
        }
    }
}

/// Units per part: a lone part has no user-data header, so it holds more.
private struct PartCapacity {
    let singlePart: Int
    let multipart: Int

    init(_ encoding: SMSEncoding) {
        switch encoding {
        case .gsm7: (singlePart, multipart) = (160, 153)
        case .ucs2: (singlePart, multipart) = (70, 67)
        }
    }
}

/// The GSM 03.38 default alphabet and its extension table, as Unicode scalars.
private enum GSM7Alphabet {
    /// The 127 characters of the basic table (code 0x1B is the escape, not a character),
    /// in table order. Non-ASCII characters are spelled as code points so that a
    /// look-alike (Greek Δ vs the math ∆) cannot slip in.
    static let basic: Set<Unicode.Scalar> = Set(
        ("@\u{A3}$\u{A5}\u{E8}\u{E9}\u{F9}\u{EC}\u{F2}\u{C7}\n\u{D8}\u{F8}\r\u{C5}\u{E5}"
            + "\u{394}_\u{3A6}\u{393}\u{39B}\u{3A9}\u{3A0}\u{3A8}\u{3A3}\u{398}\u{39E}"
            + "\u{C6}\u{E6}\u{DF}\u{C9}"
            + " !\"#\u{A4}%&'()*+,-./0123456789:;<=>?"
            + "\u{A1}ABCDEFGHIJKLMNOPQRSTUVWXYZ\u{C4}\u{D6}\u{D1}\u{DC}\u{A7}"
            + "\u{BF}abcdefghijklmnopqrstuvwxyz\u{E4}\u{F6}\u{F1}\u{FC}\u{E0}").unicodeScalars
    )

    /// Reached through the escape code, so each costs two septets.
    static let extensionTable: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|\u{20AC}".unicodeScalars)

    static func septets(for scalar: Unicode.Scalar) -> Int? {
        if basic.contains(scalar) { return 1 }
        if extensionTable.contains(scalar) { return 2 }
        return nil
    }
}
