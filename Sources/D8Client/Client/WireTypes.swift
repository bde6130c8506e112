// The bodies the client sends and reads (TaskSubmission, TaskStatus, TaskState...) are the
// wire module's, the same types the orchestrator builds its answers from; a program that
// imports D8Client has them without importing D8Wire too.
@_exported import D8Wire
