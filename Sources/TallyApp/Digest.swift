import Crypto

extension Sequence where Element == UInt8 {
    /// The lower-case hex SHA-256 of these bytes.
    var sha256Hex: String {
        SHA256.hash(data: Array(self)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension String {
    /// The lower-case hex SHA-256 of the UTF-8 bytes: how tokens and keys are stored.
    var sha256Hex: String { Array(utf8).sha256Hex }
}
