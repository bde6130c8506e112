internal import D8PluginABI
import D8JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C strings across the ABI boundary.
enum CString {
    /// A NUL-terminated copy that is never freed, for the table's static name and version.
    static func leaked(_ text: String) -> UnsafePointer<CChar> {
        UnsafePointer(strdup(text)!)
    }

    /// Writes `text` into a caller-owned error buffer: truncated to fit and NUL-terminated, as the
    /// ABI asks; nothing when the buffer has no room at all. A cut never splits a UTF-8 sequence.
    static func write(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
        guard let buffer, capacity > 0 else { return }
        var bytes = Array(text.utf8.prefix(capacity - 1))
        // Drop a last character whose tail was cut off.
        if let lead = bytes.lastIndex(where: { $0 & 0xC0 != 0x80 }), bytes[lead] >= 0xC0 {
            let needed = bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : 2
            if bytes.count - lead < needed { bytes.removeSubrange(lead...) }
        }
        for (i, byte) in bytes.enumerated() { buffer[i] = CChar(bitPattern: byte) }
        buffer[bytes.count] = 0
    }
}

extension d8_str {
    /// A copy of the borrowed bytes: a view is only valid during the call that received it.
    var copiedBytes: [UInt8] {
        guard let ptr, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: ptr, count: len))
    }

    /// A view of `bytes`, valid while the buffer is.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.init(ptr: UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), len: bytes.count)
    }
}

/// The host's emit callback and its context for one call. The host copies the view before the
/// callback returns, so emitting a view of a temporary buffer is enough.
struct Emitter {
    let emit: d8_emit_fn
    let ctx: UnsafeMutableRawPointer?

    func emit(_ value: JSONValue) {
        value.jsonBytes.withUnsafeBufferPointer { emit(ctx, d8_str($0)) }
    }
}
