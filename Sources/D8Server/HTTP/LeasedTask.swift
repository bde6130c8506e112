import D8Core
import D8Store

/// A task as a worker receives it. Old D8 workers read data fields at the top level, so data
/// keys are copied there unless they collide with a key of the task itself. A task type's prompt
/// shape (`system`, and `prompt` with `{field}`s filled from the data) adds its messages.
struct LeasedTask: Sendable {
    let json: JSONValue

    init(_ live: LiveTask, config: D8Config) {
        let r = live.record
        let data = Self.shaped(live.data, type: config.taskType(named: r.type))
        var task: [String: JSONValue] = [
            "task_id": .string(r.taskID), "type": .string(r.type), "data": data,
            "priority": JSONValue(r.priority), "lease": JSONValue(r.lease), "attempt": JSONValue(r.attempt),
            "max_attempts": JSONValue(r.maxAttempts), "created_at": .number(r.createdAt),
            "lease_expires_at": JSONValue(r.leaseExpiresAt), "timeout_s": .number(config.queue.taskTimeout.seconds),
        ]
        for (key, value) in data.objectValue ?? [:] where task[key] == nil { task[key] = value }
        json = .object(task)
    }

    /// The data with the prompt shape's messages; types without a shape are unchanged.
    static func shaped(_ data: JSONValue, type: TaskTypeConfig?) -> JSONValue {
        guard let type, type.prompt != nil || type.system != nil, var object = data.objectValue else { return data }
        var messages = object["messages"]?.arrayValue ?? []
        if let template = type.prompt { messages = [["role": "user", "content": .string(PromptTemplate.render(template, with: object))]] }
        guard !messages.isEmpty else { return data }
        if let system = type.system { messages.insert(["role": "system", "content": .string(system)], at: 0) }
        object["messages"] = .array(messages)
        return .object(object)
    }
}

/// `{field}` placeholders filled from a task's data: strings as they are, other values as JSON;
/// an unknown field is left as written, so the mistake shows in the prompt.
enum PromptTemplate {
    static func render(_ template: String, with data: [String: JSONValue]) -> String {
        var out = "", rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            switch data[name] {
            case let .string(text)?: out += text
            case let value?: out += value.jsonString
            case nil: out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
