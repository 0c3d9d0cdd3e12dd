import Foundation
import TallyApp
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Tally's Twilio client against a fake Twilio on loopback that speaks Twilio's published
/// protocol and refuses what Twilio refuses (PROVIDERS.md "SMS: Twilio" and "Phone
/// validation: Twilio Lookup"): real HTTP, nothing inside Tally replaced.
@Suite("Twilio client")
struct TwilioClientTests {
    /// Short enough for an answer held back (a minute), long enough for one given while the
    /// rest of the suite keeps both cores busy (5 s was missed in a clean-clone run).
    static let deadline = Duration.seconds(15)
    static let from = "+15005550006"
    static let to = "+14155550123"

    static func settings(_ fake: FakeTwilio, authToken: String = FakeTwilio.authToken) -> TwilioClient.Settings {
        TwilioClient.Settings(
            apiBase: URL(string: fake.apiBase)!,
            lookupBase: URL(string: fake.lookupBase)!,
            accountSID: FakeTwilio.accountSID,
            authToken: authToken,
            sender: .from(from)
        )
    }

    static func withTwilio(_ body: @escaping @Sendable (TwilioClient, FakeTwilio, FakeTwilioStatusReceiver) async throws -> Void) async throws {
        // The receiver outlives the fake, which stops its deliveries before it returns.
        try await FakeTwilioStatusReceiver.run { receiver in
            try await FakeTwilio.run { fake in
                try await body(TwilioClient(settings(fake), deadline: deadline), fake, receiver)
            }
        }
    }

    /// The failure `call` throws, or nil when it succeeds.
    static func failure<T>(_ call: () async throws(TwilioClient.Failure) -> T) async -> TwilioClient.Failure? {
        do {
            _ = try await call()
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Sending

    @Test func aSendIsQueuedWithItsSidAndTheSegmentsTwilioCounted() async throws {
        try await Self.withTwilio { client, fake, receiver in
            let message = try await client.send(to: Self.to, body: "Your code is 1234", statusCallback: receiver.url("sms_1"))
            #expect(message.sid.hasPrefix("SM") && message.sid.count == 34)
            #expect(message.status == "queued")
            #expect(message.to == Self.to)
            #expect(message.numSegments == 1)
            #expect(message.dateCreated != nil && message.dateSent == nil)

            let post = try #require(await fake.received().first)
            #expect(post.method == "POST" && post.path == "/2010-04-01/Accounts/\(FakeTwilio.accountSID)/Messages.json")
            #expect(
                post.parameters.map { "\($0.0)=\($0.1)" } == [
                    "To=\(Self.to)", "From=\(Self.from)", "Body=Your code is 1234", "StatusCallback=\(receiver.url("sms_1"))",
                ]
            )
        }
    }

    /// 161 GSM characters take two segments; an emoji makes the text UCS-2 (70 a segment);
    /// a character of GSM-7's extension table counts two.
    @Test func segmentsAreCountedAsTwilioCountsThem() async throws {
        try await Self.withTwilio { client, fake, receiver in
            let long = try await client.send(to: Self.to, body: String(repeating: "a", count: 161), statusCallback: receiver.url("a"))
            #expect(long.numSegments == 2)
            let emoji = try await client.send(to: Self.to, body: "Hi 👋 " + String(repeating: "b", count: 66), statusCallback: receiver.url("b"))
            #expect(emoji.numSegments == 2)
            // "€" is in GSM-7's extension table: two septets each, so 80 fit in one message.
            let euros = try await client.send(to: Self.to, body: String(repeating: "€", count: 80), statusCallback: receiver.url("d"))
            #expect(euros.numSegments == 1)
            let moreEuros = try await client.send(to: Self.to, body: String(repeating: "€", count: 81), statusCallback: receiver.url("e"))
            #expect(moreEuros.numSegments == 2)
            await fake.forceSegments("+14155550999", 3)
            let forced = try await client.send(to: "+14155550999", body: "short", statusCallback: receiver.url("c"))
            #expect(forced.numSegments == 3)
        }
    }

    /// Twilio posts `sent` then `delivered`, signed; Tally's check accepts them, and refuses
    /// a tampered parameter and a forged signature.
    @Test func callbacksArriveSignedAndTheCheckRefusesForgeries() async throws {
        try await Self.withTwilio { client, fake, receiver in
            let url = receiver.url("sms_2")
            let message = try await client.send(to: Self.to, body: "Hello", statusCallback: url)
            let arrived = await receiver.received(count: 2)
            #expect(arrived.count == 2)
            for delivery in arrived {
                let parameters = try #require(TwilioSignature.formPairs(delivery.body))
                #expect(delivery.url == url)
                #expect(TwilioSignature.isValid(delivery.signature, url: url, parameters: parameters, authToken: FakeTwilio.authToken))
                #expect(parameters.contains { $0 == ("MessageSid", message.sid) })
                let tampered = parameters.map { $0.0 == "MessageStatus" ? ($0.0, "failed") : $0 }
                #expect(!TwilioSignature.isValid(delivery.signature, url: url, parameters: tampered, authToken: FakeTwilio.authToken))
                #expect(!TwilioSignature.isValid(delivery.signature, url: url + "x", parameters: parameters, authToken: FakeTwilio.authToken))
                #expect(!TwilioSignature.isValid(nil, url: url, parameters: parameters, authToken: FakeTwilio.authToken))
            }
            let statuses = arrived.compactMap { delivery in TwilioSignature.formPairs(delivery.body)?.first { $0.0 == "MessageStatus" }?.1 }
            #expect(statuses == ["sent", "delivered"])
            #expect(await fake.callbacks(count: 2).map(\.httpStatus) == [200, 200])

            await fake.plan("+14155550777", DeliveryPlan(statuses: ["failed"], forgeSignature: true))
            _ = try await client.send(to: "+14155550777", body: "Hello", statusCallback: receiver.url("sms_3"))
            let forged = try #require(await receiver.received(count: 3).last)
            let parameters = try #require(TwilioSignature.formPairs(forged.body))
            #expect(parameters.contains { $0 == ("ErrorCode", "30008") })
            #expect(!TwilioSignature.isValid(forged.signature, url: forged.url, parameters: parameters, authToken: FakeTwilio.authToken))
        }
    }

    /// Twilio's worked example (twilio.com/docs/usage/security), recomputed here from the
    /// documented algorithm.
    @Test func theSignatureIsTwiliosDocumentedAlgorithm() throws {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        let parameters = [
            ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"), ("From", "+12349013030"), ("To", "+18005551212"),
        ]
        let expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        #expect(TwilioSignature.signature(url: url, parameters: parameters, authToken: "12345") == expected)
        #expect(TwilioSignature.signature(url: url, parameters: parameters.reversed(), authToken: "12345") == expected)
        #expect(TwilioSignature.isValid(expected, url: url, parameters: parameters, authToken: "12345"))
        #expect(!TwilioSignature.isValid(expected, url: url, parameters: parameters, authToken: "12346"))
        #expect(!TwilioSignature.isValid(String(expected.dropLast()), url: url, parameters: parameters, authToken: "12345"))
        let form = try #require(TwilioSignature.formPairs("To=%2B18005551212&Body=two+words&Empty="))
        #expect(form.map { "\($0.0)|\($0.1)" } == ["To|+18005551212", "Body|two words", "Empty|"])
        #expect(TwilioSignature.formPairs("Body=%E0%A4%A") == nil)
    }

    // MARK: - Refusals and no answer

    @Test func twiliosRefusalIsRefusedWithItsOwnMessage() async throws {
        try await Self.withTwilio { client, fake, receiver in
            await fake.plan(Self.to, .refuse(code: 21_610, message: "Attempt to send to unsubscribed recipient"))
            let refused = await Self.failure { () async throws(TwilioClient.Failure) in
                try await client.send(to: Self.to, body: "Hello", statusCallback: receiver.url("x"))
            }
            #expect(refused == .refused(code: 21_610, message: "Attempt to send to unsubscribed recipient"))

            let invalid = await Self.failure { () async throws(TwilioClient.Failure) in
                try await client.send(to: "4155550123", body: "Hello", statusCallback: receiver.url("y"))
            }
            #expect(invalid == .refused(code: 21_211, message: "The 'To' number 4155550123 is not a valid phone number."))
            #expect(await fake.messages().isEmpty)
        }
    }

    @Test func aWrongAuthTokenIsBadCredentialsAndNeverShown() async throws {
        try await FakeTwilio.run { fake in
            let wrong = "ffffffffffffffffffffffffffffffff"
            let client = TwilioClient(Self.settings(fake, authToken: wrong), deadline: Self.deadline)
            let failure = await Self.failure { () async throws(TwilioClient.Failure) in try await client.account() }
            guard case .badCredentials = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(!String(describing: failure).contains(wrong))
            #expect(!client.settings.description.contains(wrong))
            #expect(!String(reflecting: client.settings).contains(wrong))
            #expect(!String(describing: client).contains(wrong))
        }
    }

    @Test func anUnreachableTwilioIsNoAnswer() async throws {
        let settings = TwilioClient.Settings(
            apiBase: URL(string: "http://127.0.0.1:9")!,
            lookupBase: URL(string: "http://127.0.0.1:9")!,
            accountSID: FakeTwilio.accountSID,
            authToken: FakeTwilio.authToken,
            sender: .messagingService("MG" + String(repeating: "0", count: 32))
        )
        let client = TwilioClient(settings, deadline: .milliseconds(500))
        let failure = await Self.failure { () async throws(TwilioClient.Failure) in
            try await client.send(to: Self.to, body: "Hello", statusCallback: "https://billing.example.com/v1/providers/twilio/status/sms_1")
        }
        guard case .noAnswer(let detail) = failure else {
            Issue.record("\(String(describing: failure))")
            return
        }
        #expect(!detail.contains(FakeTwilio.authToken))
    }

    /// The answer never comes, but the message was made: `noAnswer`, the client does not
    /// send again, the callbacks still arrive, and a list of the day's messages to the
    /// number finds it.
    @Test func aLostAnswerIsNoAnswerAndTheMessageIsFoundByListingNotBySendingAgain() async throws {
        try await Self.withTwilio { client, fake, receiver in
            await fake.plan(Self.to, DeliveryPlan(loseAnswer: true))
            let started = ContinuousClock.now
            let lost = await Self.failure { () async throws(TwilioClient.Failure) in
                try await client.send(to: Self.to, body: "Hello", statusCallback: receiver.url("sms_4"))
            }
            guard case .noAnswer = lost else {
                Issue.record("\(String(describing: lost))")
                return
            }
            // The fake holds the answer for a minute: ended well before, by the deadline.
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(await fake.received().filter { $0.method == "POST" }.count == 1)
            #expect(await receiver.received(count: 2).count == 2)

            let found = try await client.messages(to: Self.to, since: Date())
            let made = try #require(await fake.messages().first)
            #expect(found.map(\.sid) == [made.sid])
            #expect(found.first?.status == "delivered" && found.first?.dateSent != nil)
            let list = try #require(await fake.received().last)
            #expect(list.parameters.map(\.0) == ["To", "DateSent>", "PageSize"])
            #expect(list.parameters.first { $0.0 == "PageSize" }?.1 == "100")
            #expect(await fake.received().filter { $0.method == "POST" }.count == 1)
        }
    }

    // MARK: - Reading messages back

    @Test func aMessageIsFetchedByItsSidAndAnUnknownSidIsNil() async throws {
        try await Self.withTwilio { client, fake, receiver in
            await fake.plan(Self.to, .silent)
            let sent = try await client.send(to: Self.to, body: "Hello", statusCallback: receiver.url("sms_5"))
            let fetched = try #require(
                try await eventually {
                    try await client.message(sid: sent.sid)
                } until: {
                    $0?.status == "sent"
                }
            )
            #expect(fetched.sid == sent.sid && fetched.status == "sent" && fetched.body == "Hello")
            #expect(await fake.callbacks().isEmpty)
            #expect(try await client.message(sid: "SM" + String(repeating: "0", count: 32)) == nil)
        }
    }

    /// The list is filtered by `To` and by the UTC day sent, and read across pages.
    @Test func theListFindsTheMessagesToANumberSentSinceADay() async throws {
        try await Self.withTwilio { client, fake, receiver in
            await fake.plan(Self.to, .silent)
            await fake.plan("+14155550888", .silent)
            var sids: [String] = []
            for index in 0..<3 {
                sids.append(try await client.send(to: Self.to, body: "n\(index)", statusCallback: receiver.url("l\(index)")).sid)
            }
            _ = try await client.send(to: "+14155550888", body: "other", statusCallback: receiver.url("other"))
            let today = try await eventually {
                try await client.messages(to: Self.to, since: Date())
            } until: {
                $0.count == 3
            }
            #expect(Set(today.map(\.sid)) == Set(sids))
            #expect(today.allSatisfy { $0.to == Self.to })
            let tomorrow = try await client.messages(to: Self.to, since: Date().addingTimeInterval(86_400))
            #expect(tomorrow.isEmpty)
        }
    }

    @Test func theAccountCheckReadsTheAccount() async throws {
        try await Self.withTwilio { client, _, _ in
            let account = try await client.account()
            #expect(account.status == "active")
            #expect(!account.friendlyName.isEmpty)
        }
    }

    // MARK: - Lookup

    @Test func lookupReadsValidityAndLineType() async throws {
        try await Self.withTwilio { client, fake, _ in
            await fake.lookupPlan("+14155550101", .landline)
            await fake.lookupPlan("+14155550102", .invalid)
            await fake.lookupPlan("+14155550103", .notFound)
            await fake.lookupPlan("+14155550104", .failing)

            #expect(try await client.lookup(Self.to) == TwilioClient.Lookup(valid: true, lineType: "mobile", validationErrors: []))
            #expect(try await client.lookup("+14155550101")?.lineType == "landline")
            let invalid = try #require(try await client.lookup("+14155550102"))
            #expect(!invalid.valid && invalid.lineType == nil && invalid.validationErrors == ["TOO_SHORT"])
            #expect(try await client.lookup("+14155550103") == nil)
            let failing = await Self.failure { () async throws(TwilioClient.Failure) in try await client.lookup("+14155550104") }
            guard case .noAnswer = failing else {
                Issue.record("\(String(describing: failing))")
                return
            }
            let asked = try #require(await fake.received().first)
            #expect(asked.path == "/v2/PhoneNumbers/\(Self.to)")
            #expect(asked.parameters.map { "\($0.0)=\($0.1)" } == ["Fields=line_type_intelligence"])
        }
    }

    // MARK: - The fake refuses what Twilio refuses

    @Test func theFakeRefusesAnUnknownParameterAMissingToAndBadCredentials() async throws {
        try await FakeTwilio.run { fake in
            func post(_ form: String, account: String = FakeTwilio.accountSID, token: String = FakeTwilio.authToken) async throws -> (Int, String) {
                let user = FakeTwilio.accountSID
                var request = URLRequest(url: URL(string: fake.apiBase + "/2010-04-01/Accounts/\(account)/Messages.json")!)
                request.httpMethod = "POST"
                request.httpBody = Data(form.utf8)
                request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
                request.setValue("Basic " + Data("\(user):\(token)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
                let (data, response) = try await URLSession.shared.data(for: request)
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
            }
            let unknown = try await post("To=%2B14155550123&From=%2B15005550006&Body=hi&Colour=red")
            #expect(unknown.0 == 400 && unknown.1.contains("Colour"))
            let noTo = try await post("From=%2B15005550006&Body=hi")
            #expect(noTo.0 == 400 && noTo.1.contains("21604"))
            let noBody = try await post("To=%2B14155550123&From=%2B15005550006")
            #expect(noBody.0 == 400 && noBody.1.contains("21602"))
            let noSender = try await post("To=%2B14155550123&Body=hi")
            #expect(noSender.0 == 400 && noSender.1.contains("21603"))
            let badToken = try await post("To=%2B14155550123&From=%2B15005550006&Body=hi", token: "nope")
            #expect(badToken.0 == 401 && badToken.1.contains("20003"))
            let otherAccount = "AC" + String(repeating: "1", count: 32)
            let other = try await post("To=%2B14155550123&From=%2B15005550006&Body=hi", account: otherAccount)
            #expect(other.0 == 404 && other.1.contains("20404"))
            #expect(await fake.messages().isEmpty)
        }
    }
}
