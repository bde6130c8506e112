import D8Core
import D8Store
import D8Wire

/// A leased task on its way to the worker: its data in the task type's prompt shape (`system`,
/// and `prompt` with `{field}`s filled from the data, become messages).
struct LeasedTask: Sendable {
    let lease: TaskLease

    init(_ live: LiveTask, config: D8Config) {
        let r = live.record
        lease = TaskLease(
            taskID: r.taskID, type: r.type, data: Self.shaped(live.data, type: config.taskType(named: r.type)),
            priority: r.priority, lease: r.lease, attempt: r.attempt, maxAttempts: r.maxAttempts, createdAt: r.createdAt,
            leaseExpiresAt: r.leaseExpiresAt, timeout: config.queue.taskTimeout
        )
    }

    var json: JSONValue { lease.json }

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
