import ArgumentParser
import D8Core
import D8Worker
import Foundation
import Logging

/// `d8 plugins`: what the worker would find in a plugin folder, and why anything would not load.
struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the provider plugins in a folder.",
        discussion: """
            Every file ending in .so is loaded; each plugin is created with the settings of the \
            config's first worker type that uses it (so prices show with their overrides), plus \
            "d8_purpose": "describe", which tells it that it will only be described (a provider \
            plugin then lists its models without an API key). A file that fails is listed with \
            the reason, and the command still exits 0. Exit status 2: the folder does not exist \
            or the config is invalid.
            """
    )

    @Option(help: "The plugin folder (default: plugins.dir of the config).")
    var dir: String?

    @Option(help: "The configuration file (YAML); default: the embedded default.")
    var config: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let settings = try loadConfig(config)
        let dir = self.dir ?? settings.plugins.dir
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            printError("error: plugin folder \(dir) does not exist")
            throw ExitCode(2)
        }
        // Plugins may log while being created; keep stdout for the listing.
        let logger = Logger(label: "d8.plugins") { StreamLogHandler.standardError(label: $0) }
        let entries = PluginLoader.discover(directory: dir).map { discovery in
            PluginListing(discovery, settings: Self.describeSettings(discovery, config: settings), logger: logger)
        }
        if json {
            let document: JSONValue = ["directory": .string(dir), "plugins": .array(entries.map(\.json))]
            print(document.jsonString)
        } else {
            print(PluginListing.table(entries), terminator: "")
        }
    }
}

extension Plugins {
    /// What `create` gets when the plugin is only listed: its worker type's settings, if any.
    static func describeSettings(_ discovery: PluginDiscovery, config: D8Config) -> JSONValue {
        guard case let .success(plugin) = discovery.result else { return [:] }
        var settings = config.workerTypes.first { $0.plugin == plugin.name }?.settings.mapValues(\.jsonValue) ?? [:]
        settings["d8_purpose"] = "describe"
        return .object(settings)
    }
}

/// One line of the listing: a plugin with its description, or the reason it is unusable.
struct PluginListing {
    let fileName: String
    let plugin: LoadedPlugin?
    let description: JSONValue?
    let error: String?

    init(_ discovery: PluginDiscovery, settings: JSONValue, logger: Logger) {
        fileName = discovery.fileName
        switch discovery.result {
        case let .failure(loadError):
            (plugin, description, error) = (nil, nil, loadError.description)
        case let .success(loaded):
            plugin = loaded
            do throws(PluginError) {
                let instance = try loaded.makeInstance(config: settings, logger: logger)
                (description, error) = (try instance.describe(), nil)
            } catch {
                (description, self.error) = (nil, error.description)
            }
        }
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["file": .string(fileName), "loaded": .bool(plugin != nil)]
        if let plugin {
            members["name"] = .string(plugin.name)
            members["version"] = .string(plugin.version)
            members["abi_version"] = .number(Double(plugin.abiVersion))
        }
        for key in ["task_types", "models", "default_model", "limits"] {
            if let value = description?[key] { members[key] = value }
        }
        if let error { members["error"] = .string(error) }
        return .object(members)
    }

    /// Models as "id ($in/$out per Mtok)"; an unknown price is "?", never 0.
    var modelsText: String {
        let models = description?["models"]?.arrayValue ?? []
        return models.map { model in
            func price(_ key: String) -> String { model[key]?.doubleValue.map { "$\(formatted($0))" } ?? "?" }
            let id = model["id"]?.stringValue ?? "?"
            return "\(id) (\(price("input_usd_per_mtok"))/\(price("output_usd_per_mtok")) per Mtok)"
        }.joined(separator: ", ")
    }

    static func table(_ entries: [PluginListing]) -> String {
        let header = ["FILE", "NAME", "VERSION", "ABI", "TASK TYPES", "MODELS"]
        let rows = entries.filter { $0.plugin != nil }.map { entry -> [String] in
            let plugin = entry.plugin!
            let types = entry.description?["task_types"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",")
            return [entry.fileName, plugin.name, plugin.version, "\(plugin.abiVersion)", types ?? "-", entry.modelsText]
        }
        var out = ""
        if rows.isEmpty {
            out += "No plugins loaded.\n"
        } else {
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
            for row in [header] + rows {
                out += zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
            }
        }
        let problems = entries.compactMap(\.error)
        if !problems.isEmpty {
            out += "\nNot usable:\n" + problems.map { "  \($0)\n" }.joined()
        }
        return out
    }
}

private func formatted(_ price: Double) -> String {
    price.rounded() == price ? String(Int(price)) : String(price)
}
