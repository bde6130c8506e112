import Foundation

/// How the dashboard writes times, durations, money and ids.
enum UIFormat {
    static func time(_ epoch: Double?) -> String {
        guard let epoch else { return "–" }
        var seconds = time_t(epoch)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        if seconds < 7200 { return "\(Int(seconds / 60)) min" }
        return String(format: "%.1f h", seconds / 3600)
    }

    static func usd(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value == 0 || value >= 0.01 ? String(format: "$%.2f", value) : String(format: "$%.4f", value)
    }

    static func shortID(_ id: String) -> String { String(id.prefix(8)) }
}
