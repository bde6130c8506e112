import D8Core

/// The four built-in task types, as the orchestrator leases them.
enum Tasks {
    static let parent: JSONValue = ["lr": 0.01, "layers": 3, "activation": "relu"]
    static let child: JSONValue = ["lr": 0.02, "layers": 4, "activation": "tanh"]
    /// How models tend to answer: the object in a fence, with prose around.
    static let childAnswer = "Here is the child:\n```json\n{\"lr\": 0.02, \"layers\": 4, \"activation\": \"tanh\"}\n```\nIt mixes both parents."

    static let agentAction: JSONValue = task("agent_action", [
        "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hello there"]],
        "temperature": 0.3,
    ])
    static let codeGeneration: JSONValue = task("code_generation", ["prompt": "Reverse a linked list", "language": "Rust"])
    static let crossover: JSONValue = task("evolution_crossover", ["genome1": parent, "genome2": ["lr": 0.2, "layers": 5, "activation": "tanh"]])
    static let mutation: JSONValue = task("evolution_mutation", ["genome": parent, "mutation_rate": 0.2])

    static func task(_ type: String, _ data: JSONValue) -> JSONValue {
        ["task_id": "task-1", "type": .string(type), "priority": 5, "attempt": 1, "data": data]
    }
}

/// One built-in task type with what the plugin must send and answer for it.
struct TaskCase: Sendable, CustomStringConvertible {
    let task: JSONValue
    let answer: String
    /// Text the system prompt must contain (nil: the task sets its own system text).
    let systemMentions: String
    /// Text the user turn must contain.
    let userMentions: String
    let genome: JSONValue?

    var description: String { task["type"]?.stringValue ?? "?" }

    static let all: [TaskCase] = [
        TaskCase(task: Tasks.agentAction, answer: "General Kenobi", systemMentions: "Be brief.", userMentions: "Hello there", genome: nil),
        TaskCase(task: Tasks.codeGeneration, answer: "```rust\nfn main() {}\n```", systemMentions: "Write Rust code", userMentions: "Reverse a linked list", genome: nil),
        TaskCase(task: Tasks.crossover, answer: Tasks.childAnswer, systemMentions: "ONE JSON object", userMentions: "Parent 2", genome: Tasks.child),
        TaskCase(task: Tasks.mutation, answer: Tasks.childAnswer, systemMentions: "about 20%", userMentions: "\"activation\":\"relu\"", genome: Tasks.child),
    ]
}
