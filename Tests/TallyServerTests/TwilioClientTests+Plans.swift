import Foundation
import TallyApp
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The fake Twilio's delivery plans, as the SMS tests rely on them: callbacks out of
/// order, repeated, held back, or never posted; a lookup that never answers; and the same
/// controls over HTTP for a test driving the fake from another process.
extension TwilioClientTests {
    static func statuses(_ deliveries: [FakeTwilioStatusReceiver.Delivery]) -> [String] {
        deliveries.compactMap { delivery in TwilioSignature.formPairs(delivery.body)?.first { $0.0 == "MessageStatus" }?.1 }
    }

    @Test func callbacksComeInThePlannedOrderRepeatedAsPlanned() async throws {
        try await Self.withTwilio { client, fake, receiver in
            await fake.plan(Self.to, DeliveryPlan(statuses: ["delivered", "sent"], repeats: 2))
            let message = try await client.send(to: Self.to, body: "Hello", statusCallback: receiver.url("sms_6"))
            #expect(Self.statuses(await receiver.received(count: 4)) == ["delivered", "delivered", "sent", "sent"])
            #expect(try await client.message(sid: message.sid)?.status == "sent")

            await fake.plan("+14155550666", DeliveryPlan(statuses: ["sent", "undelivered"]))
            let undelivered = try await client.send(to: "+14155550666", body: "Hello", statusCallback: receiver.url("sms_7"))
            #expect(Self.statuses(await receiver.received(count: 6)).suffix(2) == ["sent", "undelivered"])
            let read = try #require(try await client.message(sid: undelivered.sid))
            #expect(read.status == "undelivered" && read.errorCode == 30_003 && read.dateSent != nil)
        }
    }

    /// Held callbacks wait while the message moves on; released, they are posted in order
    /// and each carries what the endpoint answered.
    @Test func heldCallbacksArePostedWhenReleased() async throws {
        try await Self.withTwilio { client, fake, receiver in
            await fake.holdCallbacks()
            let message = try await client.send(to: Self.to, body: "Hello", statusCallback: receiver.url("sms_8"))
            let delivered = try await eventually {
                try await client.message(sid: message.sid)
            } until: {
                $0?.status == "delivered"
            }
            #expect(delivered?.status == "delivered")
            #expect(receiver.received.isEmpty)
            let released = await fake.releaseCallbacks()
            #expect(released.map(\.status) == ["sent", "delivered"])
            #expect(released.map(\.httpStatus) == [200, 200])
            #expect(Self.statuses(receiver.received) == ["sent", "delivered"])
        }
    }

    /// A number Lookup never answers for: `noAnswer` by the deadline.
    @Test func aSilentLookupIsNoAnswerByTheDeadline() async throws {
        try await FakeTwilio.run { fake in
            await fake.lookupPlan(Self.to, .silent)
            await fake.lookupPlan("+14155550105", .voip)
            let voip = try await TwilioClient(Self.settings(fake), deadline: .seconds(30)).lookup("+14155550105")
            #expect(voip?.lineType == "nonFixedVoip")
            // The fake holds a silent answer for a minute: ended well before, by the deadline.
            let client = TwilioClient(Self.settings(fake), deadline: .milliseconds(500))
            let started = ContinuousClock.now
            let silent = await Self.failure { () async throws(TwilioClient.Failure) in try await client.lookup(Self.to) }
            guard case .noAnswer = silent else {
                Issue.record("\(String(describing: silent))")
                return
            }
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    /// More than a page of messages to one number: the client follows `next_page_uri`.
    @Test func theListFollowsTheNextPage() async throws {
        try await Self.withTwilio { client, fake, receiver in
            await fake.plan(Self.to, .silent)
            for index in 0..<105 {
                _ = try await client.send(to: Self.to, body: "n\(index)", statusCallback: receiver.url("p\(index)"))
            }
            // Listed once every message was sent: the list filters on the date sent.
            _ = try await eventually {
                await fake.messages()
            } until: {
                $0.count == 105 && $0.allSatisfy { $0.dateSent != nil }
            }
            let all = try await client.messages(to: Self.to, since: Date())
            #expect(Set(all.map(\.sid)).count == 105)
            let pages = await fake.received().filter { $0.method == "GET" }.suffix(2)
            #expect(pages.last?.parameters.contains { $0 == ("Page", "1") } == true)
        }
    }

    /// The controls over HTTP: a plan and a lookup plan set from outside, the messages and
    /// callbacks read back.
    @Test func theFakeIsDrivenOverHTTP() async throws {
        try await Self.withTwilio { client, fake, receiver in
            func call(_ method: String, _ path: String, _ form: String = "") async throws -> (Int, Data) {
                var request = URLRequest(url: URL(string: fake.apiBase + path)!)
                request.httpMethod = method
                if method == "POST" { request.httpBody = Data(form.utf8) }
                request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
                let (data, response) = try await URLSession.shared.data(for: request)
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
            }
            #expect(try await call("POST", "/_fake/plans", "number=%2B14155550123&statuses=failed&num_segments=4").0 == 204)
            #expect(try await call("POST", "/_fake/lookup-plans", "number=%2B14155550123&plan=landline").0 == 204)
            #expect(try await call("POST", "/_fake/callbacks/hold").0 == 204)

            let message = try await client.send(to: Self.to, body: "Hello", statusCallback: receiver.url("sms_9"))
            #expect(message.numSegments == 4)
            #expect(try await client.lookup(Self.to)?.lineType == "landline")
            _ = try await eventually {
                try await client.message(sid: message.sid)
            } until: {
                $0?.status == "failed"
            }

            let (status, released) = try await call("POST", "/_fake/callbacks/release")
            let callbacks = try #require(try JSONSerialization.jsonObject(with: released) as? [[String: Any]])
            #expect(status == 200 && callbacks.count == 1)
            #expect(callbacks.first?["status"] as? String == "failed" && callbacks.first?["http_status"] as? Int == 200)

            let listed = try #require(try JSONSerialization.jsonObject(with: try await call("GET", "/_fake/messages").1) as? [[String: Any]])
            #expect(listed.map { $0["sid"] as? String } == [message.sid])
            #expect(listed.first?["num_segments"] as? String == "4")
        }
    }
}
