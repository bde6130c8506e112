import D8Core
import D8Store

/// The result cache's rules. A key names a task type, a client and the data in canonical form
/// (key order and number spelling do not matter); it is a 64-bit hash, an index only: a
/// candidate's data is compared in full before its result is reused, so a collision can cost a
/// miss, never a wrong answer. Keys are per client key: one tenant never gets another's result.
enum ResultCache {
    static func key(type: String, client: String?, canonicalData: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 // FNV-1a
        for part in [type, client ?? "", canonicalData] {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            hash ^= 0xFF // separates the parts: ("ab", "c") is not ("a", "bc")
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The newest candidate whose task type, client and data are the submit's own.
    static func hit(among candidates: [TaskRecord], type: String, client: String?, canonicalData: String) -> TaskRecord? {
        candidates.first { candidate in
            candidate.type == type && candidate.client == client && candidate.cachedFrom == nil
                && (try? JSONValue.parse(candidate.data))?.canonicalJSONString == canonicalData
        }
    }
}
