import D8Core
import D8Harness
import D8Worker
import Foundation
import Logging

/// The plugins as `make plugins` (or the copy step of the test instructions) stages them in the
/// repository's Plugins/ folder. They are only ever dlopen()ed: each exports d8_plugin_entry.
enum StagedPlugins {
    static let directory = URL(fileURLWithPath: Repository.plugins)

    static func path(_ name: String) -> String { directory.appendingPathComponent("libd8_\(name).so").path }

    static func load(_ name: String) throws(PluginError) -> LoadedPlugin { try PluginLoader.load(path: path(name)) }

    static func instance(_ name: String, config: JSONValue) throws(PluginError) -> PluginInstance {
        try load(name).makeInstance(config: config, logger: Logger(label: "provider-plugin-tests"))
    }

    /// Why create refused `config`, or nil when it did not.
    static func createFailure(_ name: String, config: JSONValue) -> String? {
        do throws(PluginError) {
            _ = try instance(name, config: config)
            return nil
        } catch {
            return error.reason
        }
    }
}

/// A fake provider plus an instance of one plugin pointed at it, for one test.
struct PluginUnderTest {
    let fake: FakeProvider
    let instance: PluginInstance

    init(_ provider: ProviderCase, settings: JSONValue = [:], handler: @escaping FakeProvider.Handler) throws {
        fake = try FakeProvider(handler: handler)
        var config = provider.config(baseURL: fake.baseURL)
        for (key, value) in settings.objectValue ?? [:] { config[key] = value }
        instance = try StagedPlugins.instance(provider.plugin, config: .object(config))
    }

    func execute(_ task: JSONValue) -> PluginOutcome {
        defer { fake.stop() }
        return instance.execute(task: task)
    }
}
