import Foundation

/// The orchestrators a client or worker may use, written as one comma-separated list
/// ("http://a:7001,http://b:7002"): the form of `--orchestrator` and `D8_ORCHESTRATOR_URL`.
/// One URL is a list of one.
public enum OrchestratorList {
    /// The URLs in the order given; an empty list, an empty entry or an entry that is not an
    /// http(s) URL with a host is an error naming it.
    public static func parse(_ text: String) throws(OrchestratorListError) -> [String] {
        let entries = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard entries.contains(where: { !$0.isEmpty }) else { throw .empty }
        return try check(entries)
    }

    /// Each URL as it will be used; the same errors as `parse`.
    public static func check(_ urls: [String]) throws(OrchestratorListError) -> [String] {
        guard !urls.isEmpty else { throw .empty }
        for (index, url) in urls.enumerated() {
            guard !url.isEmpty else { throw .emptyEntry(position: index + 1) }
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .malformed(url, reason: "must start with http:// or https://")
            }
            guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty else {
                throw .malformed(url, reason: "must name a host")
            }
            // The API's paths are appended to it (a path prefix is fine, behind a proxy); a
            // query or fragment would garble them.
            guard parts.query == nil, parts.fragment == nil else {
                throw .malformed(url, reason: "must not have a query or fragment")
            }
        }
        return urls
    }
}

/// Why a list of orchestrator URLs cannot be used.
public enum OrchestratorListError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case emptyEntry(position: Int)
    case malformed(String, reason: String)

    public var description: String {
        switch self {
        case .empty: "the list of orchestrator URLs is empty"
        case let .emptyEntry(position): "entry \(position) of the list of orchestrator URLs is empty (a stray comma?)"
        case let .malformed(url, reason): "the orchestrator's URL \(reason), got '\(url)'"
        }
    }
}
