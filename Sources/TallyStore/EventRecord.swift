import Foundation

/// A scheduler event as stored: its id, its configuration (the API's JSON) and when it last changed.
public struct EventRecord: Sendable, Hashable {
    public var id: String
    public var config: String
    public var updatedAt: Date

    public init(id: String, config: String, updatedAt: Date) {
        self.id = id
        self.config = config
        self.updatedAt = updatedAt
    }
}
