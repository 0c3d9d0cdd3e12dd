// Waiting for something that happens on its own — a worker's pass, a callback, a child
// process coming up — by asking until it has happened, with a generous deadline for a
// busy machine, instead of sleeping a fixed time and hoping it was enough.
//
// Not for letting time pass on purpose (a TTL, a lease, an idle timeout running out):
// those sleep, and say why.

/// Asks `read` every `interval` until `done` holds of its answer, for at most `deadline`;
/// answers the last answer, so the caller's expectation fails showing what was seen.
public func eventually<T>(
    within deadline: Duration = .seconds(30),
    every interval: Duration = .milliseconds(20),
    _ read: () async throws -> T,
    until done: (T) throws -> Bool
) async throws -> T {
    let end = ContinuousClock.now + deadline
    var answer = try await read()
    while try !done(answer), ContinuousClock.now < end {
        try await Task.sleep(for: interval)
        answer = try await read()
    }
    return answer
}

/// Asks `read` every `interval` until it answers a value, for at most `deadline`; nil
/// when it never did.
public func eventually<T>(
    within deadline: Duration = .seconds(30),
    every interval: Duration = .milliseconds(20),
    _ read: () async throws -> T?
) async throws -> T? {
    try await eventually(within: deadline, every: interval, read, until: { $0 != nil })
}
