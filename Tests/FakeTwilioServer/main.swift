import Foundation
import TallyTestSupport

// `fake-twilio`: the tests' fake Twilio as a process of its own, for tests that drive a
// real `tally serve` from outside. It listens on a free loopback port, prints
// `FAKE_TWILIO_PORT=<port>`, `FAKE_TWILIO_ACCOUNT_SID=<sid>` and
// `FAKE_TWILIO_AUTH_TOKEN=<token>` (the credentials Tally must be given), and runs until
// killed. Its HTTP controls (`/_fake/…`, see `FakeTwilioControls`) plan deliveries and
// lookups, and hold or release status callbacks.
try await FakeTwilio.run { fake in
    let lines = "FAKE_TWILIO_PORT=\(fake.port)\nFAKE_TWILIO_ACCOUNT_SID=\(FakeTwilio.accountSID)\nFAKE_TWILIO_AUTH_TOKEN=\(FakeTwilio.authToken)\n"
    FileHandle.standardOutput.write(Data(lines.utf8))
    while !Task.isCancelled {
        try await Task.sleep(for: .seconds(3_600))
    }
}
