import Testing

@testable import TallyApp

/// Tokens, API keys and request fingerprints are stored as the lower-case hex SHA-256 of
/// their bytes: the digits must be SHA-256's own, two per byte, leading zeros kept.
@Suite struct DigestTests {
    @Test func theHexDigestIsSHA256sOwn() {
        // FIPS 180-2's examples.
        #expect("abc".sha256Hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect("".sha256Hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".sha256Hex
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
        // Bytes hash as the string of the same bytes does.
        #expect(Array("abc".utf8).sha256Hex == "abc".sha256Hex)
    }
}
