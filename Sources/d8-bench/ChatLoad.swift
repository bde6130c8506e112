import D8Client
import D8Core
import Foundation
import Synchronization

/// Percentiles of one load, in milliseconds.
struct LatencySummary {
    let p50: Double
    let p99: Double
    let count: Int
    let errors: Int
}

/// `concurrency` callers, each on its own thread and keep-alive connection, sending chat
/// completions one after another: a warm-up, then `requests` timed ones in all.
struct ChatLoad {
    let path: ChatPath
    let streamed: Bool
    let concurrency: Int
    let requests: Int

    func run() throws -> LatencySummary {
        _ = measure(count: max(concurrency, requests / 10))
        let (samples, errors) = measure(count: requests)
        let stats = Stats(samples)
        return LatencySummary(p50: stats.percentile(50), p99: stats.percentile(99), count: samples.count, errors: errors)
    }

    private func measure(count: Int) -> (samples: [Double], errors: Int) {
        let results = Mutex<(samples: [Double], errors: Int)>(([], 0))
        let perCaller = (count + concurrency - 1) / concurrency
        DispatchQueue.concurrentPerform(iterations: concurrency) { _ in
            var mine: [Double] = []
            var failed = 0
            for _ in 0..<perCaller {
                if let ms = once() { mine.append(ms) } else { failed += 1 }
            }
            results.withLock { $0.samples += mine; $0.errors += failed }
        }
        return results.withLock { $0 }
    }

    /// One request's latency in ms: to the whole answer, or to the first content token.
    private func once() -> Double? {
        var body: [String: JSONValue] = ["model": .string(path.model), "messages": [["role": "user", "content": "hi"]], "max_tokens": 16]
        if streamed { body["stream"] = true }
        var headers = [HTTPHeader(name: "Content-Type", value: "application/json")]
        if let key = path.key { headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(key)")) }
        let url = path.base + "/chat/completions"
        let start = ContinuousClock.now
        if !streamed {
            guard case let .response(answer) = HTTPTransport.shared.send(method: "POST", url: url, headers: headers, body: JSONValue.object(body).jsonBytes),
                  answer.status == 200 else { return nil }
            return (ContinuousClock.now - start).fractionalMilliseconds
        }
        var first: Duration?
        var status = 0
        var reader = SSEReader()
        let ended = HTTPTransport.shared.stream(method: "POST", url: url, headers: headers, body: JSONValue.object(body).jsonBytes,
                                                onHead: { status = $0.status }, onChunk: { bytes in
            if first == nil, reader.feed(bytes).contains(where: Self.hasContent) { first = ContinuousClock.now - start }
            return true
        })
        guard status == 200, ended == .completed, let first else { return nil }
        return first.fractionalMilliseconds
    }

    /// Whether an SSE event is a chunk with non-empty delta content.
    static func hasContent(_ event: String) -> Bool {
        guard let chunk = try? JSONValue.parse(Array(event.utf8)) else { return false }
        return chunk["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue?.isEmpty == false
    }
}

extension Duration {
    var fractionalMilliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
