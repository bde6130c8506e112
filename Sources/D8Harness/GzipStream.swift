/// A gzip member written as it goes, made of deflate "stored" blocks: real gzip that any client
/// (libcurl's zlib here) decodes piece by piece, without needing zlib in the harness. Each piece
/// is a whole block, so a client can decode it as soon as it arrives, as with a flushed stream.
struct GzipStream {
    private var crc = CRC32()
    private var size: UInt32 = 0

    /// The member header: magic, deflate, no flags, no time, unknown OS.
    static let header: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF]

    /// Non-final stored blocks holding `bytes` (65535 bytes at most per block).
    mutating func blocks(_ bytes: [UInt8]) -> [UInt8] {
        crc.update(bytes)
        size &+= UInt32(truncatingIfNeeded: bytes.count)
        var out: [UInt8] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + 65535, bytes.count)
            out += Self.stored(bytes[start..<end], final: false)
            start = end
        }
        return out
    }

    /// An empty final block, then the CRC-32 and the length (little-endian).
    func end() -> [UInt8] {
        Self.stored([], final: true) + Self.littleEndian(crc.value) + Self.littleEndian(size)
    }

    /// BFINAL and BTYPE 00 in the first byte (the rest of it padding), then LEN and NLEN.
    private static func stored(_ bytes: ArraySlice<UInt8>, final: Bool) -> [UInt8] {
        let length = UInt16(bytes.count)
        return [final ? 1 : 0] + littleEndian16(length) + littleEndian16(~length) + bytes
    }

    private static func littleEndian16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
}

/// CRC-32 (IEEE 802.3, reflected), as gzip's trailer needs.
struct CRC32 {
    private(set) var value: UInt32 = 0

    private static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    mutating func update(_ bytes: [UInt8]) {
        var c = ~value
        for byte in bytes { c = Self.table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        value = ~c
    }
}
