/// Everything d8 reads from `config.yaml`. `D8Config()` is what an empty file gives.
public struct D8Config: Sendable, Equatable {
    public var server = ServerConfig()
    public var auth = AuthConfig()
    public var queue = QueueConfig()
    public var plugins = PluginsConfig()
    /// In file order, which is the order "every worker type" routes use.
    public var workerTypes: [WorkerTypeConfig]
    /// Those written in the file, in file order, then any built-in type the file left out.
    public var taskTypes: [TaskTypeConfig]
    public var budgets = BudgetsConfig()
    /// `openai:` and `models:`: the OpenAI-compatible front door.
    public var frontDoor = FrontDoorConfig()

    /// The task types of D8, which exist whatever the file says.
    public static let builtInTaskTypes = [
        "agent_action", "code_generation", "evolution_crossover", "evolution_mutation",
    ]

    /// Defaults throughout; the built-in task types route to every worker type given, as in a file.
    public init(workerTypes: [WorkerTypeConfig] = []) {
        self.workerTypes = workerTypes
        taskTypes = Self.builtInTaskTypes.map { TaskTypeConfig(name: $0, route: workerTypes.map(\.name)) }
    }

    /// A task type of the file, or the front door's `chat:<alias or worker type>`.
    public func taskType(named name: String) -> TaskTypeConfig? {
        taskTypes.first { $0.name == name } ?? chatTaskType(named: name)
    }

    public func workerTypeIndex(named name: String) -> Int? {
        workerTypes.firstIndex { $0.name == name }
    }
}
