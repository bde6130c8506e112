import ArgumentParser
import D8Client
import Foundation

/// Where the client commands find the orchestrator, and the key they show it.
struct ClientOptions: ParsableArguments {
    static let defaultURL = "http://127.0.0.1:7001"

    @Option(help: "The orchestrator's URL, or several separated by commas, tried in turn when one does not answer (env D8_ORCHESTRATOR_URL or ORCHESTRATOR_URL; default \(ClientOptions.defaultURL)).")
    var orchestrator: String?

    @Option(help: "The client key, sent as a bearer token (env D8_CLIENT_KEY).")
    var key: String?

    /// As given: one URL or a comma-separated list.
    private var listed: String {
        let environment = ProcessInfo.processInfo.environment
        return orchestrator ?? environment["D8_ORCHESTRATOR_URL"] ?? environment["ORCHESTRATOR_URL"] ?? Self.defaultURL
    }

    func validate() throws {
        _ = try orchestrators()
    }

    var resolvedKey: String? { key ?? ProcessInfo.processInfo.environment["D8_CLIENT_KEY"] }

    /// The orchestrators with the key, for every client command (`D8Client`, and `d8 chat`'s
    /// front door); a bad list is a usage error naming the entry.
    func orchestrators() throws -> FailoverEndpoints {
        do {
            return try FailoverEndpoints(urls: try OrchestratorList.parse(listed), token: resolvedKey)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Runs a command's work with the client; a `D8ClientError` ends the command with its
    /// message and exit status.
    func run(_ work: (D8Client) async throws -> Void) async throws {
        do {
            try await work(D8Client(api: ClientAPI(orchestrators: try orchestrators())))
        } catch let error as D8ClientError {
            printError("error: \(error.explained)")
            throw error.exitStatus
        }
    }
}

/// The exit statuses of the client commands.
enum ClientExit {
    static let taskFailed = ExitCode(1)
    static let usage = ExitCode(2)
    static let unreachable = ExitCode(3)
    static let timedOut = ExitCode(4)
}

extension D8ClientError {
    /// The message for a person at a terminal.
    var explained: String {
        switch self {
        case let .rejected(status, _, message) where status == 401 || status == 403:
            "the orchestrator refused the client key: \(message)"
        case let .rejected(status, _, message) where (400..<500).contains(status):
            message
        case let .timedOut(taskID, _):
            "\(self); `d8 status \(taskID) --wait` waits again"
        case let .jobTimedOut(jobID, _):
            "\(self); `d8 job status \(jobID) --wait` waits again"
        default:
            description
        }
    }

    /// A refusal of the request or the key is a usage error; a server in trouble is as good as unreachable.
    var exitStatus: ExitCode {
        switch self {
        case let .rejected(status, _, _) where (400..<500).contains(status): ClientExit.usage
        case .timedOut, .jobTimedOut: ClientExit.timedOut
        case .unreachable, .rejected, .invalidAnswer, .fallbackFailed: ClientExit.unreachable
        }
    }
}
