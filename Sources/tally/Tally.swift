import NIOCore
import NIOPosix
import TallyCommand

@main
enum Tally {
    static func main() async {
        // Tasks run on the event loops that do the I/O: an answer, a database reply or
        // a provider's response resumes its task without a hop to another thread pool.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await TallyCommand.main()
    }
}
