#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `dlopen` handle, after swiftlang/sourcekit-lsp's `DLHandle`. It has no `close`: a plugin's
/// code must stay mapped while any instance, function pointer or static string of it is in use,
/// and for a worker that is the life of the process, so handles are deliberately leaked.
struct DLHandle: @unchecked Sendable { // a dlopen handle is a process-wide token, usable from any thread
    private let raw: UnsafeMutableRawPointer

    /// Opens `path` with RTLD_NOW (missing symbols fail here, not mid-task) and RTLD_LOCAL
    /// (plugins do not see each other's symbols). Fails with dlerror's text.
    static func open(_ path: String) -> Result<DLHandle, DLError> {
        // A path without a slash would make dlopen search the system library path instead.
        let explicit = path.contains("/") ? path : "./" + path
        guard let raw = dlopen(explicit, RTLD_NOW | RTLD_LOCAL) else { return .failure(DLError.last()) }
        return .success(DLHandle(raw: raw))
    }

    /// The symbol `name` as the C function type `T`, or nil when the library does not export it.
    func function<T>(_ name: String, as type: T.Type) -> T? {
        precondition(MemoryLayout<T>.size == MemoryLayout<UnsafeRawPointer>.size, "\(T.self) is not a C function pointer")
        guard let symbol = dlsym(raw, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}

/// dlerror's message (thread-local in glibc and Darwin, so it is the message of this thread's call).
struct DLError: Error {
    let message: String

    static func last() -> DLError {
        DLError(message: dlerror().map { String(cString: $0) } ?? "unknown dlopen error")
    }
}
