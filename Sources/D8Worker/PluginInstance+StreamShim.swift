import D8Core

// TEMPORARY until the plugin-side streaming lands: the whole output as one delta.
extension PluginInstance {
    public func executeStream(task: JSONValue, onDelta: (JSONValue) -> Bool) -> PluginOutcome {
        let outcome = execute(task: task)
        if case let .ok(result) = outcome {
            var delta: [String: JSONValue] = [:]
            if let text = result["output"]?.stringValue, !text.isEmpty { delta["content"] = .string(text) }
            if !delta.isEmpty { _ = onDelta(.object(delta)) }
        }
        return outcome
    }
}
