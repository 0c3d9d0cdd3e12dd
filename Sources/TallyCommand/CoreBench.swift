import ArgumentParser
import Foundation
import TallyCore

/// `tally bench-core`: operations per second of the pure rules every request runs, so a
/// change that slows one is seen. Nothing is asserted; it prints figures.
struct CoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-core",
        abstract: "Measure the pure core: SMS segmentation, phone and email parsing, credit amounts.",
        discussion: """
            Runs each operation over a fixed set of inputs for about --seconds seconds and \
            prints operations per second and nanoseconds per operation. Build with \
            `swift build -c release` first: a debug build is many times slower.
            """
    )

    @Option(help: "Seconds each operation runs for.")
    var seconds = 1.0

    func validate() throws {
        guard (0.05...60).contains(seconds) else { throw ValidationError("--seconds must be from 0.05 to 60") }
    }

    /// Message bodies of each kind the segmenter tells apart.
    static let bodies = [
        "Your code is 482913",
        "Hi Ann, your appointment is tomorrow at 9:30. Reply STOP to opt out.",
        String(repeating: "Long GSM-7 message with [brackets] and {braces} ~ ", count: 6),
        "Grüße aus München — 你好, 👋🏽 see you soon!",
        String(repeating: "Ünïcödé ✓ ", count: 40),
    ]

    static let phones: [(String, String?)] = [
        ("+1 (415) 555-0123", nil), ("415.555.0199", "US"), ("+44 20 7946 0958", nil), ("020 7946 0958", "GB"),
        ("+49 (0)30 901820", nil), ("0033 1 42 68 53 00", nil), ("+61 2 9374 4000", nil), ("not a number", "US"),
    ]

    static let emails = [
        "ann.lee@example.com", "Bob+billing@Sub.Example.co.uk", "user@xn--bcher-kva.example", "bad@@example.com",
        "\"quoted local\"@example.org", "a@b",
    ]

    static let amounts = ["0.5", "1", "15.000", "24", "1234567.891", "0.001", "-1", "1.2345", "abc"]

    func run() async throws {
        let segmenter = SMSSegmenter()
        print("operation: operations/s, ns/operation (release build, one core)")
        measure("SMS segmentation (\(Self.bodies.count) bodies, GSM-7 and UCS-2)", Self.bodies) { body in
            if case .success(let segmentation) = segmenter.segment(body) { return segmentation.segments }
            return 0
        }
        measure("phone parsing (\(Self.phones.count) numbers, 6 countries)", Self.phones) { phone in
            if case .success(let number) = PhoneNumber.parse(phone.0, defaultRegion: phone.1) { return number.e164.count }
            return 0
        }
        measure("email parsing (\(Self.emails.count) addresses)", Self.emails) { email in
            if case .success(let address) = EmailAddress.parse(email) { return address.domain.count }
            return 0
        }
        measure("credit amounts parsed (\(Self.amounts.count) texts)", Self.amounts) { text in
            if case .success(let credits) = Credits.parse(text) { return Int(truncatingIfNeeded: credits.thousandths) }
            return 0
        }
        let credits = (0..<64).map { Credits(thousandths: Int64($0) * 123_457 + 1) }
        measure("credit amounts formatted (64 amounts)", credits) { $0.description.count }
    }

    /// Runs `operation` over `inputs` round after round for `seconds` and prints the rate.
    /// The results are summed and printed so that no work can be optimised away.
    func measure<Input>(_ name: String, _ inputs: [Input], _ operation: (Input) -> Int) {
        var checksum = 0
        var operations = 0
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started.advanced(by: .milliseconds(Int(seconds * 1000)))
        repeat {
            for input in inputs { checksum &+= operation(input) }
            operations += inputs.count
        } while clock.now < deadline
        let elapsed = (clock.now - started).seconds
        let perSecond = Double(operations) / elapsed
        print(
            "\(name): \(Int(perSecond).formatted())/s, \(String(format: "%.0f", 1e9 / perSecond)) ns "
                + "(checksum \(checksum % 1000))"
        )
    }
}
