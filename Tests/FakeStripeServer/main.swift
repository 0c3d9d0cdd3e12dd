import Foundation
import TallyTestSupport

// `fake-stripe`: the tests' fake Stripe as a process of its own, for tests that drive a
// real `tally serve` from outside (the browser tests). It listens on a free loopback
// port, prints `FAKE_STRIPE_PORT=<port>` and `FAKE_STRIPE_SECRET_KEY=<key>` (the key
// Tally must be given), and runs until killed. `FAKE_STRIPE_SECRET_KEY` in the
// environment picks another `sk_test_…` key. The fake's HTTP controls (`/_fake/…`, see
// `FakeStripePages.addControls`) set its webhook endpoint and play Stripe's side.
let secretKey = ProcessInfo.processInfo.environment["FAKE_STRIPE_SECRET_KEY"] ?? FakeStripe.defaultSecretKey
try await FakeStripe.run(secretKey: secretKey) { fake in
    let lines = "FAKE_STRIPE_PORT=\(fake.port)\nFAKE_STRIPE_SECRET_KEY=\(fake.secretKey)\n"
    FileHandle.standardOutput.write(Data(lines.utf8))
    while !Task.isCancelled {
        try await Task.sleep(for: .seconds(3_600))
    }
}
