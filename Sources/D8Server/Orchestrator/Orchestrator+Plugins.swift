import D8Core
import D8Worker

extension Orchestrator {
    /// Asks each worker type's plugin, when it is in `plugins.dir` here, for its models and
    /// prices (created to be described only, so no API key is needed), so that cost ceilings
    /// and budgets work before any worker registers. A plugin that is not here is fine: its
    /// workers bring the same description when they register.
    func learnPricesFromPlugins() {
        for type in config.workerTypes {
            do throws(PluginError) {
                let plugin = try PluginLoader.find(named: type.plugin, in: config.plugins.dir)
                var settings = type.settings.mapValues(\.jsonValue)
                settings["d8_purpose"] = "describe"
                let description = try plugin.makeInstance(config: .object(settings), logger: logger).describe()
                state.withLock { $0.prices.learn(type.name, description: description) }
            } catch {
                logger.debug("prices of this worker type will come from its workers", metadata: ["worker_type": "\(type.name)", "reason": "\(error)"])
            }
        }
    }
}
