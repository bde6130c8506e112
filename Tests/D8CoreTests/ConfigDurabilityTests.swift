import Testing
@testable import D8Core

@Suite("Config: server.durability")
struct ConfigDurabilityTests {
    @Test func defaultsToDiskAndReadsProcess() throws {
        #expect(D8Config.embeddedDefault.server.durability == .disk)
        #expect(try parseConfig("server:\n  durability: process\n").config.server.durability == .process)
    }

    @Test func anUnknownDurabilityNamesTheLine() {
        #expect(configError("server:\n  port: 1\n  durability: fast\n") == "config.yaml:3: server.durability: expected disk or process, got 'fast'")
    }
}
