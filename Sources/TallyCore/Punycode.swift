/// The Punycode encoder of RFC 3492, used to turn an internationalised domain
/// label into the ASCII form DNS and SMTP carry ("münchen" → "mnchen-3ya").
///
/// Written here rather than borrowed because Foundation on Linux has no IDNA
/// API and TallyCore takes no dependencies. Only encoding is needed: Tally
/// stores the ASCII form and never shows a decoded one.
public enum Punycode {
    // Bootstring parameters for Punycode (RFC 3492 §5).
    private static let base: UInt32 = 36
    private static let tMin: UInt32 = 1
    private static let tMax: UInt32 = 26
    private static let skew: UInt32 = 38
    private static let damp: UInt32 = 700
    private static let initialBias: UInt32 = 72
    private static let initialN: UInt32 = 128

    /// Encodes the scalars of `label` exactly as given, without the `xn--`
    /// prefix and without case mapping or normalisation (callers do that first,
    /// as IDNA requires). Basic (ASCII) code points are copied unchanged.
    ///
    /// Returns `nil` only when the RFC's 32-bit arithmetic would overflow,
    /// which takes an input far longer than any DNS label.
    public static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map(\.value)
        var output = input.filter { $0 < initialN }.map { Character(Unicode.Scalar(UInt8($0))) }
        let basicCount = UInt32(output.count)
        var handled = basicCount
        if basicCount > 0 { output.append("-") }

        var n = initialN
        var delta: UInt32 = 0
        var bias = initialBias
        while handled < UInt32(input.count) {
            // The smallest code point not yet handled; every remaining one is >= n.
            guard let next = input.filter({ $0 >= n }).min() else { return nil }
            guard let jump = multiplyAdd(next - n, handled + 1, delta) else { return nil }
            delta = jump
            n = next
            for codePoint in input {
                if codePoint < n {
                    guard delta < UInt32.max else { return nil }
                    delta += 1
                }
                guard codePoint == n else { continue }
                output.append(contentsOf: variableLengthInteger(delta, bias: bias))
                bias = adapt(delta: delta, pointCount: handled + 1, isFirst: handled == basicCount)
                delta = 0
                handled += 1
            }
            guard delta < UInt32.max else { return nil }
            delta += 1
            n += 1
        }
        return String(output)
    }

    /// `a * b + c`, or `nil` on 32-bit overflow (RFC 3492 §6.4).
    private static func multiplyAdd(_ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt32? {
        let (product, o1) = a.multipliedReportingOverflow(by: b)
        let (sum, o2) = product.addingReportingOverflow(c)
        return o1 || o2 ? nil : sum
    }

    /// Writes `q` as a generalised variable-length integer whose digit
    /// thresholds depend on the current bias (RFC 3492 §3.3).
    private static func variableLengthInteger(_ value: UInt32, bias: UInt32) -> [Character] {
        var digits: [Character] = []
        var q = value
        var k = base
        while true {
            let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
            if q < t { break }
            digits.append(digit(t + (q - t) % (base - t)))
            q = (q - t) / (base - t)
            k += base
        }
        digits.append(digit(q))
        return digits
    }

    /// Bias adaptation (RFC 3492 §6.1): keeps later deltas short.
    private static func adapt(delta: UInt32, pointCount: UInt32, isFirst: Bool) -> UInt32 {
        var delta = isFirst ? delta / damp : delta / 2
        delta += delta / pointCount
        var k: UInt32 = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    /// 0–25 → a–z, 26–35 → 0–9 (lower case, as IDNA output is compared lower-cased).
    private static func digit(_ value: UInt32) -> Character {
        let ascii = value < 26 ? value + 97 : value - 26 + 48
        return Character(Unicode.Scalar(UInt8(ascii)))
    }
}
