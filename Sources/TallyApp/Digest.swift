import Crypto

extension Sequence where Element == UInt8 {
    /// The lower-case hex SHA-256 of these bytes.
    var sha256Hex: String {
        // Every API request hashes its token and its body: two digits per byte from a
        // table, not a string per byte joined.
        let digits: StaticString = "0123456789abcdef"
        var hex: [UInt8] = []
        hex.reserveCapacity(2 * SHA256.byteCount)
        for byte in SHA256.hash(data: Array(self)) {
            hex.append(digits.utf8Start[Int(byte >> 4)])
            hex.append(digits.utf8Start[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

extension String {
    /// The lower-case hex SHA-256 of the UTF-8 bytes: how tokens and keys are stored.
    var sha256Hex: String { Array(utf8).sha256Hex }
}
