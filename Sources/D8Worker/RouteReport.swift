import D8Core
import Logging

/// The effective routes of a config as this machine sees them: for each task type, its worker
/// types with their prices and whether they can run here (their plugin is here and accepts its
/// settings: an API key left unset shows). What `d8 check-config` prints and `d8 serve` warns of.
/// It lives with the plugin loader, so the orchestrator gets only its results (the
/// descriptions and the unroutable task types, through `ServerArguments`) and never loads a plugin.
public struct RouteReport: Sendable {
    public struct Entry: Sendable {
        public let workerType: String
        public let price: Price?
        /// Why this worker type cannot run with this environment, if it cannot.
        public let problem: String?
    }

    public struct Route: Sendable {
        public let taskType: String
        public let strategy: RoutingStrategy
        public let maxCostUSD: Double?
        public let entries: [Entry]

        /// The worker types that can take its tasks (all, when none is known to fail).
        public var usable: [Entry] { entries.filter { $0.problem == nil } }
    }

    public let routes: [Route]
    /// What each worker type's plugin here says of itself (created to be described only, so no
    /// key is needed), by worker type: what the orchestrator's prices start from.
    public let descriptions: [String: JSONValue]

    public init(config: D8Config) {
        let logger = Logger(label: "d8.routes") { _ in SwiftLogNoOpLogHandler() }
        var book = PriceBook(config: config)
        var descriptions: [String: JSONValue] = [:]
        var problems: [String: String] = [:]
        for type in config.workerTypes {
            // A plugin not here is fine: its workers may run elsewhere and bring its description.
            guard let plugin = try? PluginLoader.find(named: type.plugin, in: config.plugins.dir) else { continue }
            var settings = type.settings.mapValues(\.jsonValue)
            settings["slots"] = JSONValue(type.slots)
            do throws(PluginError) {
                _ = try plugin.makeInstance(config: .object(settings), logger: logger)
            } catch {
                problems[type.name] = error.reason
            }
            settings["d8_purpose"] = "describe"
            if let description = try? plugin.makeInstance(config: .object(settings), logger: logger).describe() {
                descriptions[type.name] = description
                book.learn(type.name, description: description)
            }
        }
        self.descriptions = descriptions
        routes = config.taskTypes.map { type in
            Route(taskType: type.name, strategy: type.strategy, maxCostUSD: type.maxCostUSD, entries: type.route.map { name in
                Entry(workerType: name, price: book.price(name), problem: problems[name])
            })
        }
    }

    /// Task types none of whose worker types can run here, with the reasons.
    public var unroutable: [(taskType: String, reasons: [String])] {
        routes.filter { $0.usable.isEmpty }.map { route in
            (route.taskType, route.entries.map { "\($0.workerType): \($0.problem ?? "")" })
        }
    }

    /// One line per task type: "agent_action  cheapest  ≤ $0.02  deepseek ($0/$0), groq (needs: …)".
    public var text: String {
        routes.map { route in
            let ceiling = route.maxCostUSD.map { "max $\($0)" } ?? "no ceiling"
            let types = route.entries.map { entry in
                let price = entry.price.map { "$\($0.inputPerMTok)/$\($0.outputPerMTok) per Mtok" } ?? "price unknown"
                return "\(entry.workerType) (\(price)\(entry.problem.map { "; cannot run here: \($0)" } ?? ""))"
            }
            let list = types.isEmpty ? "(no worker types)" : types.joined(separator: ", ")
            return "\(route.taskType): \(route.strategy.rawValue), \(ceiling) → \(list)"
        }.joined(separator: "\n")
    }
}
