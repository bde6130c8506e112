import D8JSON

/// What a completed result of a built-in task type must carry, whichever worker or plugin
/// served it: D8's programs read these keys (its evolution adapter reads `result["genome"]`)
/// and break without them. The orchestrator turns a breach into a retryable failure.
public enum ResultContract {
    /// What is wrong with `result` as a success of `taskType`, nil when nothing is (task types
    /// other than the built-in ones have no contract). `data` is the task's input, read only for
    /// the evolution types, whose child genome must match the parent's keys and kinds.
    public static func breach(of result: JSONValue, taskType: String, data: () -> JSONValue?) -> String? {
        switch taskType {
        case "agent_action", "code_generation":
            guard case .string? = result["output"] ?? result["response"] else {
                return "a successful \(taskType) result must carry its text in 'output' (a string)"
            }
            return nil
        case "evolution_crossover", "evolution_mutation":
            guard let genome = result["genome"] else {
                return "a successful \(taskType) result must carry the child genome in 'genome'"
            }
            let parentKey = taskType == "evolution_crossover" ? "genome1" : "genome"
            guard let parent = data()?[parentKey]?.objectValue else {
                return genome.objectValue == nil ? "the child genome in 'genome' must be a JSON object" : nil
            }
            do throws(Genome.Problem) {
                try Genome.check(genome, against: parent)
                return nil
            } catch {
                return "\(taskType) result: \(error.description)"
            }
        default:
            return nil
        }
    }
}
