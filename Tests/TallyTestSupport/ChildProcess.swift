import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process the tests start (`tally serve`, the DNS test server, the example bridge),
/// spawned with `posix_spawn` itself.
///
/// Foundation's `Process.run` crashed inside (a bad read while copying) in full
/// runs where tests launch servers while others work on other threads; spawning
/// directly leaves nothing shared to race on. The child writes its standard
/// output and error to `log`, reads nothing, and inherits no other descriptor.
public final class ChildProcess: Sendable {
    public let processIdentifier: pid_t
    /// The exit status once it is known (a signal's death reads as -1).
    private let exit = Mutex<Int32?>(nil)

    public init(executable: String, arguments: [String], environment: [String: String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        _ = Self.closeFrom?(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard status == 0 else {
            throw SpawnFailure(description: "posix_spawn \(executable): \(String(cString: strerror(status)))")
        }
        processIdentifier = pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift does not import.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: CloseFrom.self)
    }

    /// Reaps the child if it has exited; with `blocking`, waits for it.
    private func reap(blocking: Bool) -> Int32? {
        exit.withLock { known in
            if let known { return known }
            var status: Int32 = 0
            let reaped = waitpid(processIdentifier, &status, blocking ? 0 : WNOHANG)
            if reaped == -1 && errno != EINTR {
                known = -1
                return known
            }
            guard reaped == processIdentifier else { return nil }
            // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
            known = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
            return known
        }
    }

    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Its exit status; -1 while it runs or when a signal ended it.
    public var terminationStatus: Int32 { reap(blocking: false) ?? -1 }

    /// SIGTERM.
    public func terminate() {
        if isRunning { kill(processIdentifier, SIGTERM) }
    }

    public func waitUntilExit() {
        while reap(blocking: true) == nil {}
    }
}

/// A child that could not be started.
public struct SpawnFailure: Error, CustomStringConvertible {
    public var description: String
}
