#if canImport(Glibc)
import Glibc
#endif

/// glibc keeps freed memory in its arenas, so once a large backlog has drained the orchestrator
/// would keep its peak size for good. When the live tasks fall to a quarter of the most seen
/// since the last return, and that was a backlog worth the trouble, the free pages go back to
/// the system (`malloc_trim`, a few milliseconds once per drain).
struct MemoryReturn {
    static let worthIt = 10_000
    private var peak = 0

    mutating func observe(liveTasks: Int) {
        peak = max(peak, liveTasks)
        guard peak >= Self.worthIt, liveTasks * 4 <= peak else { return }
        peak = liveTasks
        #if canImport(Glibc)
        // Swift's Glibc module leaves out <malloc.h>: look the function up (once per drain).
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        let mallocTrim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        _ = mallocTrim(0)
        #endif
    }
}
