import Foundation
import PostgresNIO

/// Why a PostgreSQL URL cannot be used.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid PostgreSQL URL: \(reason)" }
}

extension PostgresClient.Configuration {
    /// Reads `postgres://user[:password]@host[:port]/database[?sslmode=…]`, the libpq URL
    /// form (`postgresql://` too).
    ///
    /// `sslmode` is `disable`, `prefer` (the default, as in libpq) or `require`. As in
    /// libpq, a `host` parameter naming a directory connects through the unix socket in
    /// it (`postgres://tally@/db?host=/run/postgresql&port=5432`).
    /// The database defaults to the user's name.
    public init(url: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme)
        else {
            throw PostgresURLError(reason: "expected postgres://user@host:port/database")
        }
        guard let username = components.user?.removingPercentEncoding, !username.isEmpty else {
            throw PostgresURLError(reason: "no user name before '@'")
        }
        let password = components.password?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? username : (path.removingPercentEncoding ?? path)
        var parameters = [String: String]()
        for item in components.queryItems ?? [] {
            parameters[item.name] = item.value ?? ""
        }
        guard let port = components.port ?? parameters["port"].map({ Int($0) }) ?? 5432 else {
            throw PostgresURLError(reason: "the port is not a number")
        }
        let tls: TLS
        switch parameters["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw PostgresURLError(reason: "unknown sslmode '\(other)'")
        }
        if let directory = parameters["host"], directory.hasPrefix("/") {
            self.init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(port)",
                username: username,
                password: password,
                database: database
            )
            return
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError(reason: "no host after '@'")
        }
        self.init(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
