/// Bearer tokens. With none configured d8 serves loopback only (unless `allow_insecure`).
public struct AuthConfig: Sendable, Equatable {
    /// What workers send; nil means workers need no token.
    public var workerToken: String?
    /// Client keys, `auth.admin_keys` among them (`isAdmin`).
    public var clientKeys: [ClientKey]

    public init(workerToken: String? = nil, clientKeys: [ClientKey] = []) {
        self.workerToken = workerToken
        self.clientKeys = clientKeys
    }

    /// True when any token or key is configured, i.e. requests must authenticate.
    public var isEnabled: Bool { workerToken != nil || !clientKeys.isEmpty }
}
