import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "d8-bench",
        abstract: "d8 benchmarks. Build with -c release; each prints one JSON object.",
        subcommands: [QueueBenchmark.self, DispatchBenchmark.self, WorkerBenchmark.self, BacklogBenchmark.self, ObserveBenchmark.self, SoakBenchmark.self, JobsBenchmark.self, OpenAIBenchmark.self, ChaosRun.self]
    )
}
