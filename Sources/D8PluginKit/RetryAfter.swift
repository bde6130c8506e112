#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How long a provider asks us to wait, in whole seconds (rounded up, never negative).
public enum RetryAfter {
    /// A `retry-after` header: delay-seconds ("30") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT").
    public static func seconds(header value: String, now: Int = currentTime()) -> Int? {
        let text = value.trimmingWhitespace()
        if let number = Double(text), number.isFinite, number >= 0 { return Int(number.rounded(.up)) }
        return httpDate(text).map { max(0, $0 - now) }
    }

    /// A protobuf Duration as JSON writes it: "13s", "1.5s" (Gemini's RetryInfo.retryDelay).
    public static func seconds(duration text: String) -> Int? {
        guard text.hasSuffix("s"), let number = Double(text.dropLast()), number.isFinite, number >= 0 else { return nil }
        return Int(number.rounded(.up))
    }

    /// Seconds since 1970 of an IMF-fixdate, the HTTP-date form senders must use (RFC 9110 §5.6.7).
    static func httpDate(_ text: String) -> Int? {
        let parts = text.split { $0 == " " || $0 == "," }
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
              let month = months.firstIndex(of: String(parts[2])).map({ $0 + 1 }) else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), (0..<24).contains(clock[0]), (0..<60).contains(clock[1]), (0...60).contains(clock[2]) else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86400 + clock[0] * 3600 + clock[1] * 60 + clock[2]
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func currentTime() -> Int { Int(time(nil)) }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
