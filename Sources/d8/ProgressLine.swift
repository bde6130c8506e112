import D8Client
import Foundation
import Synchronization

/// "pending · attempt 0 · 3s" on stderr while a command waits for a task, redrawn every second
/// and cleared at the end. Only on a terminal: a script reading stderr gets no carriage returns.
final class ProgressLine: Sendable {
    private struct State {
        var status: TaskStatus?
        var ticker: Task<Void, Never>?
        var finished = false
    }

    private let started = ContinuousClock.now
    private let state = Mutex(State())

    private init() {}

    static func onTerminal() -> ProgressLine? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let line = ProgressLine()
        let ticker = Task {
            while !Task.isCancelled {
                line.draw()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        line.state.withLock { $0.ticker = ticker }
        return line
    }

    func update(_ status: TaskStatus) {
        state.withLock { $0.status = status }
        draw()
    }

    func finish() {
        state.withLock { state in
            state.finished = true
            state.ticker?.cancel()
            Self.write("\r\u{1B}[K")
        }
    }

    /// Under the lock, so no redraw lands after `finish` cleared the line.
    private func draw() {
        let waited = Format.duration((ContinuousClock.now - started).seconds)
        state.withLock { state in
            guard !state.finished else { return }
            let text = state.status.map { "\($0.status) · attempt \($0.attempt) · \(waited)" } ?? "waiting · \(waited)"
            Self.write("\r\u{1B}[K" + text)
        }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
