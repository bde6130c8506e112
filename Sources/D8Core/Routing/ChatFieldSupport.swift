/// The request fields a worker type's plugin cannot honour, for the front door's `chat:` tasks:
/// a route member that cannot is not eligible, and a request no member can serve is refused
/// with the field's name. It covers the plugins that ship with d8; a plugin built elsewhere is
/// taken to honour every field (and fails the task, naming the field, if it does not).
public enum ChatFieldSupport {
    /// The first field of `data` this worker type cannot honour, nil when it can serve it.
    public static func unhonoured(by workerType: WorkerTypeConfig, data: JSONValue) -> String? {
        switch workerType.plugin {
        case "claude":
            // Anthropic's Messages API has no seed and no JSON mode.
            if data["seed"] != nil { return "seed" }
            if data["response_format"]?["type"]?.stringValue == "json_object" { return "response_format" }
        case "ollama" where workerType.settings["api"] != .string("openai"):
            // Ollama's native chat has no way to force a tool call.
            if data["tool_choice"]?.stringValue == "required" { return "tool_choice" }
        default:
            break
        }
        return nil
    }
}
