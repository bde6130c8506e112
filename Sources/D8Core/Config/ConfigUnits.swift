/// Durations (`500ms`, `30s`, `1.5m`, `2h`, `7d`) and sizes (`1048576`, `512KiB`, `1MiB`) as written in the config.
enum ConfigUnits {
    private static let nanoseconds: [String: Double] = ["ms": 1e6, "s": 1e9, "m": 60e9, "h": 3_600e9, "d": 86_400e9]
    private static let bytes: [String: Double] = ["": 1, "B": 1, "KiB": 1_024, "MiB": 1_048_576, "GiB": 1_073_741_824]

    /// Rounded to the nanosecond, so `0.1s == .milliseconds(100)`; nil when malformed or beyond a century.
    static func duration(_ text: String) -> Duration? {
        guard let (n, unit) = split(text), let scale = nanoseconds[unit], n * scale < 3.1e18 else { return nil }
        return .nanoseconds(Int64((n * scale).rounded()))
    }

    /// Whole bytes; nil when malformed, fractional or beyond a petabyte.
    static func size(_ text: String) -> Int? {
        guard let (n, unit) = split(text), let scale = bytes[unit], (n * scale).rounded() == n * scale, n * scale < 1e15
        else { return nil }
        return Int(n * scale)
    }

    /// `12.5ms` → (12.5, "ms"): an unsigned decimal, then the unit.
    private static func split(_ text: String) -> (Double, String)? {
        let number = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard number.contains(where: \.isNumber), let n = Double(number) else { return nil }
        return (n, String(text.dropFirst(number.count)))
    }

    /// "+02:00", "-05:30", "Z" or "UTC" as minutes east of UTC; nil when malformed or beyond ±14 h.
    static func utcOffsetMinutes(_ text: String) -> Int? {
        if ["z", "utc"].contains(text.lowercased()) { return 0 }
        guard let sign = text.first.flatMap({ $0 == "+" ? 1 : $0 == "-" ? -1 : nil }) else { return nil }
        let parts = text.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let h = Int(parts[0]), let m = Int(parts[1]), m < 60 else { return nil }
        let minutes = h * 60 + m
        return minutes <= 14 * 60 ? sign * minutes : nil
    }
}
