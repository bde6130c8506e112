/// Durations (`500ms`, `30s`, `1.5m`, `2h`, `7d`) and sizes (`1048576`, `512KiB`, `1MiB`) as written in the config.
enum ConfigUnits {
    private static let nanosecondsPerUnit: [String: Int64] = [
        "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000, "d": 86_400_000_000_000,
    ]
    private static let bytesPerUnit: [String: Int] = ["": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30]

    /// Exact to the nanosecond (so `0.1s == .milliseconds(100)`); nil when malformed or beyond ~290 years.
    static func duration(_ text: String) -> Duration? {
        guard let (whole, fraction, unit) = number(text), let scale = nanosecondsPerUnit[unit],
              fraction.count <= 9, let w = Int64(whole.isEmpty ? "0" : whole)
        else { return nil }
        let (base, overflow) = w.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        // Fraction digits f of length k add f * scale / 10^k; the product fits as k <= 9.
        var part: Int64 = 0
        if !fraction.isEmpty, let f = Int64(fraction) {
            let divisor = (0..<fraction.count).reduce(Int64(1)) { acc, _ in acc * 10 }
            part = Int64((Double(f) * Double(scale) / Double(divisor)).rounded())
        }
        let (total, overflow2) = base.addingReportingOverflow(part)
        return overflow2 ? nil : .nanoseconds(total)
    }

    /// Whole bytes; nil when malformed, fractional or too large.
    static func size(_ text: String) -> Int? {
        guard let (whole, fraction, unit) = number(text), fraction.isEmpty, !whole.isEmpty,
              let n = Int(whole), let scale = bytesPerUnit[unit]
        else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }

    /// `12.5ms` → ("12", "5", "ms"): digits, optional `.digits`, then the unit letters.
    private static func number(_ text: String) -> (whole: String, fraction: String, unit: String)? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        var rest = text.dropFirst(digits.count)
        var fraction = Substring()
        if rest.first == "." {
            fraction = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
            guard !fraction.isEmpty else { return nil }
            rest = rest.dropFirst(1 + fraction.count)
        }
        guard !digits.isEmpty || !fraction.isEmpty, rest.allSatisfy({ $0.isLetter }) else { return nil }
        return (String(digits), String(fraction), String(rest))
    }
}
