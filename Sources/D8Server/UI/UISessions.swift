import D8Core
import Foundation
import Synchronization

/// Who is looking at the dashboard. Without client keys the server serves loopback only, and
/// whoever reaches it is the operator; with keys, each browser signs in with one.
enum UIUser: Sendable {
    case `operator`
    case key(ClientKey)

    var viewer: Viewer {
        switch self {
        case .operator: .everyone
        case let .key(key): Viewer(key)
        }
    }

    /// Pause and resume task types, and act on every client's tasks.
    var isAdmin: Bool {
        switch self {
        case .operator: true
        case let .key(key): key.isAdmin
        }
    }

    /// For the header: the key's name, never the key.
    var name: String {
        switch self {
        case .operator: "operator (no keys configured)"
        case let .key(key): key.isAdmin ? "\(key.name) (admin)" : key.name
        }
    }
}

/// Signed-in browsers: a random token in an HttpOnly, SameSite=Strict cookie names the key it
/// signed in with. The key itself never leaves the sign-in request. Sessions live in memory for
/// 12 hours (a restart signs everyone out).
final class UISessions: Sendable {
    static let cookie = "d8_session"
    static let lifetime: Double = 12 * 3600
    private let sessions = Mutex<[String: (key: ClientKey, expires: Double)]>([:])

    func open(for key: ClientKey, now: Double) -> String {
        var random = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(format: "%016llx", random.next() as UInt64) }.joined()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            sessions[token] = (key, now + Self.lifetime)
        }
        return token
    }

    func key(for token: String?, now: Double) -> ClientKey? {
        guard let token else { return nil }
        return sessions.withLock { sessions in
            guard let session = sessions[token], session.expires > now else { return nil }
            return session.key
        }
    }

    func close(_ token: String?) {
        guard let token else { return }
        _ = sessions.withLock { $0.removeValue(forKey: token) }
    }

    static func setCookie(_ token: String) -> String {
        "\(cookie)=\(token); Path=/ui; HttpOnly; SameSite=Strict; Max-Age=\(Int(lifetime))"
    }

    static let clearCookie = "\(cookie)=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0"

    /// The session token from a Cookie header.
    static func token(in header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == cookie { return String(parts[1]) }
        }
        return nil
    }
}

/// `application/x-www-form-urlencoded`, as a browser posts a form.
enum FormBody {
    static func parse(_ bytes: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
