/// Splits a server-sent event stream into events, fed bytes split anywhere (inside a line, a
/// CRLF, or a UTF-8 sequence). Lines end in LF, CRLF or CR; "data:" lines of one event join
/// with newlines; comments (":") and unknown fields are skipped; a blank line ends the event.
public struct SSEFramer: Sendable {
    public struct Event: Equatable, Sendable {
        public var name: String?
        public var data: String
    }

    private var lines = LineFramer()
    private var name: String?
    private var data: [String] = []

    public init() {}

    public mutating func push(_ bytes: [UInt8]) -> [Event] {
        var events: [Event] = []
        for line in lines.push(bytes) {
            if let event = take(line) { events.append(event) }
        }
        return events
    }

    /// The end of the body: an event whose blank line never came is dispatched from its
    /// complete lines (servers that close right after the last data line); a line cut short
    /// is dropped, as the SSE spec says.
    public mutating func finish() -> [Event] {
        _ = lines.finish()
        return take("").map { [$0] } ?? []
    }

    private mutating func take(_ line: String) -> Event? {
        if line.isEmpty {
            defer { name = nil; data = [] }
            return data.isEmpty ? nil : Event(name: name, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let (field, value) = Self.split(line)
        switch field {
        case "data": data.append(value)
        case "event": name = value
        default: break // id, retry: nothing d8 needs
        }
        return nil
    }

    /// "field: value" (one leading space dropped), or the whole line as a field with no value.
    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}
