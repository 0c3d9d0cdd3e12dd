import ArgumentParser
import NIOCore
import NIOPosix
import TallyCommand

/// The process's entry point. Swift concurrency's tasks run on SwiftNIO's event loops
/// (two on a two-core machine) instead of a pool of their own beside them: a request
/// is read, handled and answered on one thread, with no hand-over between the loop
/// that holds its connection and the pool that runs its handler.
@main
enum Tally {
    static func main() async {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await TallyCommand.main()
    }
}
