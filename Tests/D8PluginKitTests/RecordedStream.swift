import D8PluginKit

/// Feeding a provider's recorded stream to its parser the ways the network may cut it.
enum RecordedStream {
    /// The deltas of every piece, then the ending of the body.
    static func parse(_ parser: some ChatStreamParser, _ pieces: [[UInt8]]) -> ([ChatDelta], Result<Completion, StreamProblem>) {
        var parser = parser
        let deltas = pieces.flatMap { parser.feed($0) }
        return (deltas, parser.finish())
    }

    /// The stream split in two at every byte, then fed one byte at a time.
    static func splits(_ stream: String) -> [(String, [[UInt8]])] {
        let bytes = Array(stream.utf8)
        return (0...bytes.count).map { ("split at \($0)", [Array(bytes[..<$0]), Array(bytes[$0...])]) } + [("byte by byte", bytes.map { [$0] })]
    }

    /// Every prefix of the stream that ends before the line holding `terminal` is whole: the
    /// bodies a dropped connection leaves.
    static func cuts(_ stream: String, before terminal: String) -> [(Int, [UInt8])] {
        let bytes = Array(stream.utf8)
        let start = bytes.firstRange(of: Array(terminal.utf8))!.lowerBound
        let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))!
        return (0..<end).map { ($0, Array(bytes[..<$0])) }
    }
}
