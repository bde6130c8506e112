import D8JSON

/// Ollama's native stream: one JSON object per line, the last with "done": true, done_reason
/// and the token counts; {"error": "..."} when the runner fails mid-answer.
package struct OllamaStreamParser: EventStreamParser {
    private var lines = LineFramer()
    package private(set) var sofar = StreamAccumulator()
    package var problem: StreamProblem?
    private var done = false

    package init() {}

    package mutating func feed(_ bytes: [UInt8]) -> [ChatDelta] { handle(lines.push(bytes)) }

    package mutating func finish() -> Result<Completion, StreamProblem> {
        // A last line without its line break that is not JSON was cut short: dropped, as SSE
        // drops one, so the ending is the cut naming the done line rather than "malformed".
        _ = handle(lines.finish().filter { (try? JSONValue.parse($0)) != nil })
        return ending(complete: done, missing: "the line with \"done\": true")
    }

    package mutating func take(_ line: String) throws(StreamProblem) -> [ChatDelta] {
        guard !line.allSatisfy(\.isWhitespace), !done else { return [] }
        guard let object = try? JSONValue.parse(line), object.objectValue != nil else { throw .malformed("a line that is not a JSON object") }
        // The runner failing mid-answer (out of memory, a crash) may pass on another try.
        if let error = object["error"] { throw .providerError(retryable: true, message: error.stringValue ?? error.jsonString) }
        do throws(CompletionProblem) {
            let deltas = try OllamaAnswer.read(object, into: &sofar)
            done = object["done"] == true
            return deltas
        } catch {
            throw .malformed("a tool call without a function name")
        }
    }
}
