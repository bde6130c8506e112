import D8Core

/// Runs a task without the orchestrator (the caller's own provider call, say) when the
/// orchestrator cannot be reached; returns the task's result object. Old D8 clients did this.
public typealias LocalFallback = @Sendable (TaskSubmission) async throws -> JSONValue
