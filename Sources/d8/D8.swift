import ArgumentParser

@main
struct D8: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "d8",
        abstract: "d8: a distributed LLM task gateway.",
        subcommands: [Serve.self, Worker.self, Plugins.self]
    )
}
