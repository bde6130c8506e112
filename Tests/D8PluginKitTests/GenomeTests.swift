import D8JSON
import D8Contracts
import D8PluginKit
import Testing

@Suite struct GenomeExtractionTests {
    let parent: [String: JSONValue] = ["lr": 0.01, "layers": 3, "activation": "relu"]

    @Test func findsTheObjectInsideAJSONFence() throws {
        let answer = "Here you go:\n```json\n{\"lr\": 0.02, \"layers\": 4, \"activation\": \"tanh\"}\n```\nEnjoy!"
        #expect(try Genome.child(in: answer, matching: parent) == ["lr": 0.02, "layers": 4, "activation": "tanh"])
    }

    @Test func findsTheObjectInProseWithBracesAround() throws {
        let answer = "Set {x} aside. The child is {\"lr\": 1e-3, \"layers\": 2, \"activation\": \"gelu\"} as asked."
        #expect(try Genome.child(in: answer, matching: parent) == ["lr": 0.001, "layers": 2, "activation": "gelu"])
    }

    @Test func bracesInsideStringsDoNotEndTheObject() {
        let answer = #"{"name": "a } tricky { name", "nested": {"x": "\"}"}}"#
        #expect(Genome.candidates(in: answer) == [["name": "a } tricky { name", "nested": ["x": "\"}"]]])
    }

    @Test func picksTheCandidateThatMatchesTheParent() throws {
        let answer = #"Parent was {"lr": 0.01}. Child: {"lr": 0.5, "layers": 8, "activation": "relu"}"#
        #expect(Genome.candidates(in: answer).count == 2)
        #expect(try Genome.child(in: answer, matching: parent) == ["lr": 0.5, "layers": 8, "activation": "relu"])
    }

    @Test func reportsTheFirstCandidatesProblemWhenNoneMatches() {
        let answer = #"{"lr": 0.5, "layers": 8} and {"other": 1}"#
        #expect(throws: Genome.Problem("child genome lacks key 'activation'")) { try Genome.child(in: answer, matching: parent) }
    }

    @Test func noObjectAtAll() {
        #expect(throws: Genome.Problem("no JSON object in the answer")) { try Genome.child(in: "I cannot do that {", matching: parent) }
        #expect(Genome.candidates(in: "[1, 2] and {not json}").isEmpty)
    }
}

@Suite struct GenomeValidationTests {
    let parent: [String: JSONValue] = ["lr": 0.01, "layers": 3, "tags": ["a"], "on": true]

    @Test func integersAndFloatsAreBothNumbers() throws {
        try Genome.check(["lr": 1, "layers": 2.5, "tags": [], "on": false], against: parent)
    }

    @Test func missingKey() {
        #expect(throws: Genome.Problem("child genome lacks key 'lr'")) { try Genome.check(["layers": 2, "tags": [], "on": true], against: parent) }
    }

    @Test func wrongKind() {
        #expect(throws: Genome.Problem("child genome key 'layers' should be a number, got a string")) {
            try Genome.check(["lr": 1, "layers": "2", "tags": [], "on": true], against: parent)
        }
    }

    @Test func extraKey() {
        #expect(throws: Genome.Problem("child genome has unexpected key 'momentum'")) {
            try Genome.check(["lr": 1, "layers": 2, "tags": [], "on": true, "momentum": 0.9], against: parent)
        }
    }

    @Test func notAnObject() {
        #expect(throws: Genome.Problem("child genome should be an object, got an array")) { try Genome.check([1, 2], against: parent) }
    }
}
