import D8JSON
import D8PluginKit
import Testing

@Suite struct TaskPromptTests {
    func task(_ type: String, _ data: JSONValue) -> JSONValue { ["task_id": "t1", "type": .string(type), "data": data] }

    @Test func agentActionKeepsTheConversationAndSetsSystemApart() throws {
        let prompt = try TaskPrompt.build(task: task("agent_action", [
            "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"], ["role": "assistant", "content": "Hello"], ["role": "user", "content": "Bye"]],
            "model": "m2", "temperature": 0.2, "max_tokens": 50,
        ]))
        let chat = prompt.request(defaultModel: "m1", defaultMaxTokens: 1024)
        #expect(chat == ChatRequest(model: "m2", system: "Be brief.", messages: [ChatMessage(.user, "Hi"), ChatMessage(.assistant, "Hello"), ChatMessage(.user, "Bye")], temperature: 0.2, maxTokens: 50))
        #expect(prompt.parentGenome == nil)
    }

    @Test func defaultsApplyWhenTheTaskSetsNothing() throws {
        let chat = try TaskPrompt.build(task: task("agent_action", ["messages": [["role": "user", "content": "Hi"]]])).request(defaultModel: "m1", defaultMaxTokens: 99)
        #expect(chat.model == "m1" && chat.maxTokens == 99 && chat.temperature == nil && chat.system == nil)
    }

    @Test func codeGenerationAsksForCodeInTheLanguage() throws {
        let prompt = try TaskPrompt.build(task: task("code_generation", ["prompt": "reverse a list", "language": "Rust"]))
        #expect(prompt.system?.contains("Write Rust code") == true)
        #expect(prompt.messages == [ChatMessage(.user, "reverse a list")])
        let anyLanguage = try TaskPrompt.build(task: task("code_generation", ["prompt": "reverse a list"]))
        #expect(anyLanguage.system?.contains("most suitable language") == true)
    }

    @Test func crossoverShowsBothParentsAndChecksAgainstTheFirst() throws {
        let prompt = try TaskPrompt.build(task: task("evolution_crossover", ["genome1": ["lr": 0.1, "n": 2], "genome2": ["lr": 0.3, "n": 4]]))
        #expect(prompt.parentGenome == ["lr": 0.1, "n": 2])
        #expect(prompt.system?.contains("ONE JSON object") == true)
        let user = try #require(prompt.messages.first?.content)
        #expect(user.contains("Parent 1") && user.contains("Parent 2") && user.contains("\"lr\":0.3"))
    }

    @Test func mutationStatesTheRate() throws {
        let prompt = try TaskPrompt.build(task: task("evolution_mutation", ["genome": ["lr": 0.1], "mutation_rate": 0.25]))
        #expect(prompt.system?.contains("about 25%") == true)
        #expect(prompt.parentGenome == ["lr": 0.1])
    }

    @Test func otherTypesUseMessagesOrPrompt() throws {
        #expect(try TaskPrompt.build(task: task("summarize", ["prompt": "text"])).messages == [ChatMessage(.user, "text")])
        #expect(try TaskPrompt.build(task: task("chat", ["messages": [["role": "user", "content": "q"]]])).messages == [ChatMessage(.user, "q")])
    }

    /// Tasks as JSON text (literals keep the type checker fast) and the expected message.
    static let badTasks: [(String, String)] = [
        (#"{"type":"summarize","data":{"text":"x"}}"#, "task type 'summarize' needs data.messages or data.prompt"),
        (#"{"type":"agent_action","data":{}}"#, "data.messages is missing"),
        (#"{"type":"agent_action","data":{"messages":"hi"}}"#, "data.messages must be an array, got a string"),
        (#"{"type":"agent_action","data":{"messages":[{"role":"user","content":1}]}}"#, "data.messages[0].content must be a string"),
        (#"{"type":"agent_action","data":{"messages":[{"role":"tool","content":"x"}]}}"#, "data.messages[0].role must be system, user or assistant, got 'tool'"),
        (#"{"type":"agent_action","data":{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}}"#, "data.temperature must be a number, got a string"),
        (#"{"type":"code_generation","data":{"language":"C"}}"#, "data.prompt is missing"),
        (#"{"type":"evolution_mutation","data":{"genome":"abc"}}"#, "data.genome must be an object, got a string"),
        (#"{"type":"evolution_crossover","data":{"genome1":{"a":1},"genome2":{"b":1}}}"#, "genome1 and genome2 must have the same keys; 'a' is only in genome1"),
        (#"{"type":"agent_action"}"#, #"the task has no "data" object"#),
        (#"{"data":{}}"#, #"the task has no "type" string"#),
    ]

    @Test(arguments: badTasks)
    func badTasksNameTheField(task: String, message: String) throws {
        let task = try JSONValue.parse(task)
        #expect(throws: TaskPrompt.Problem(message)) { try TaskPrompt.build(task: task) }
    }
}
