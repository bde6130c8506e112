/// The caller-owned error buffer of the ABI (`err`, `err_cap`): 1024 bytes the plugin writes a
/// NUL-terminated message into.
struct ErrorBuffer {
    static let capacity = 1024
    private var storage = [CChar](repeating: 0, count: capacity)

    mutating func withBuffer<R>(_ body: (UnsafeMutablePointer<CChar>, Int) -> R) -> R {
        storage.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    }

    /// The message, trusting no terminator: reads up to the first NUL or the end of the buffer.
    var message: String {
        let bytes = storage.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` into a plugin's `err` buffer, truncated to fit and NUL-terminated.
    static func write(_ text: String, to err: UnsafeMutablePointer<CChar>?, capacity: Int) {
        guard let err, capacity > 0 else { return }
        let utf8 = Array(text.utf8.prefix(capacity - 1))
        for (i, byte) in utf8.enumerated() { err[i] = CChar(bitPattern: byte) }
        err[utf8.count] = 0
    }
}
