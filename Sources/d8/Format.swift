import D8Core
import Foundation

/// How the client commands write numbers, money, times and durations; "-" for what is absent.
enum Format {
    static func count(_ value: JSONValue?) -> String {
        value?.intValue.map(String.init) ?? "-"
    }

    static func count(_ value: Int?) -> String {
        value.map(String.init) ?? "-"
    }

    static func usd(_ value: Double?) -> String {
        guard let value else { return "-" }
        // Whole cents as such; anything finer (small LLM costs) keeps four decimals rather than rounding away.
        let cents = value * 100
        return abs(cents - cents.rounded()) < 1e-9 ? String(format: "$%.2f", value) : String(format: "$%.4f", value)
    }

    static func percent(_ fraction: Double?) -> String {
        fraction.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
    }

    static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 10 ? String(format: "%.2fs", value) : duration(value)
    }

    /// Whole seconds, minutes or hours: "42s", "3m12s", "2h05m".
    static func duration(_ value: Double) -> String {
        let total = Int(value.rounded(.down))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m"
    }

    /// An epoch time as how long ago it was.
    static func ago(_ epoch: Double?, now: Double = Date().timeIntervalSince1970) -> String {
        epoch.map { duration(max(0, now - $0)) + " ago" } ?? "-"
    }

    /// An epoch time in local time, to the second.
    static func time(_ epoch: Double?) -> String {
        guard let epoch else { return "-" }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: epoch))
    }
}
