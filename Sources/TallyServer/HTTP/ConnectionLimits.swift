import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// How long a connection may take and how many may be open: what keeps slow or
/// silent clients from holding the server's connections for good.
public struct ConnectionLimits: Sendable, Hashable {
    /// From a request's first byte to the end of its header lines. A client that sends
    /// its headers a byte at a time (slowloris) is cut off here.
    public var headerReadSeconds: Int
    /// How long a connection may stay without a byte in or out: one that never sends a
    /// request, or a keep-alive connection between requests.
    public var idleSeconds: Int
    /// Connections open at once; past it, new ones wait in the listen backlog until one closes.
    public var maximumConnections: Int

    public init(headerReadSeconds: Int = 10, idleSeconds: Int = 60, maximumConnections: Int = 1024) {
        self.headerReadSeconds = headerReadSeconds
        self.idleSeconds = idleSeconds
        self.maximumConnections = maximumConnections
    }

    /// The HTTP/1.1 server with these limits.
    var server: HTTPServerBuilder {
        let limits = self
        return HTTPServerBuilder { responder in
            LimitedHTTP1Channel(
                base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .seconds(Int64(limits.idleSeconds)))),
                headerRead: .seconds(Int64(limits.headerReadSeconds))
            )
        }
    }

    /// The cap on open connections, for the server's configuration.
    var availableConnections: MaximumAvailableConnections {
        MaximumAvailableConnections(maximumConnections)
    }
}

/// Hummingbird's HTTP/1.1 channel with a header-read deadline in front of its decoder.
struct LimitedHTTP1Channel: ServerChildChannel {
    let base: HTTP1Channel
    let headerRead: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        let headerRead = headerRead
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(HeaderReadTimeout(limit: headerRead), position: .first)
        }.flatMap { base.setup(channel: channel, logger: logger) }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Closes a connection whose request head (request line and header lines) is not complete
/// `limit` after its first byte. The idle timeout alone would let a client hold a
/// connection forever by sending one header byte at a time.
///
/// It reads the raw bytes before the HTTP decoder: the timer starts at the first byte of
/// a request, stops at the blank line that ends its head, and the next request starts once
/// an answer has been written.
final class HeaderReadTimeout: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum State {
        /// No byte of the next request yet (the idle timeout watches this time).
        case awaitingRequest
        /// Reading a request's head; `tail` is its last bytes, to find `\r\n\r\n` across reads.
        case readingHead(tail: [UInt8])
        /// The head is read: its body and answer follow.
        case inRequest
    }

    private let limit: TimeAmount
    private var state = State.awaitingRequest
    private var timer: Scheduled<Void>?

    init(limit: TimeAmount) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytesView
        switch state {
        case .awaitingRequest:
            guard !bytes.isEmpty else { break }
            let channel = context.channel
            timer = context.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
            advance(tail: [], bytes)
        case .readingHead(let tail):
            advance(tail: tail, bytes)
        case .inRequest:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .inRequest = state { state = .awaitingRequest }
        context.write(data, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    private func advance(tail: [UInt8], _ bytes: ByteBufferView) {
        let seen = tail + Array(bytes)
        let end: [UInt8] = [13, 10, 13, 10]
        var found = false
        if seen.count >= 4 {
            for index in 0...(seen.count - 4) where seen[index..<(index + 4)].elementsEqual(end) {
                found = true
                break
            }
        }
        if found {
            timer?.cancel()
            timer = nil
            state = .inRequest
        } else {
            state = .readingHead(tail: Array(seen.suffix(3)))
        }
    }
}
