import Foundation

/// What Linux reports about a process in /proc: its resident memory and the CPU time it used.
public struct ProcessUsage: Sendable {
    public let pid: Int32
    public init(pid: Int32) { self.pid = pid }

    /// This process (an in-process server included).
    public static var current: ProcessUsage { ProcessUsage(pid: getpid()) }

    /// VmRSS in bytes; 0 when the process is gone.
    public var residentBytes: Int { statusBytes("VmRSS:") }

    public var residentMB: Double { Double(residentBytes) / 1_048_576 }

    /// VmHWM: the most resident memory the process has had, in MiB.
    public var peakResidentMB: Double { Double(statusBytes("VmHWM:")) / 1_048_576 }

    private func statusBytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let kB = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return 0 }
        return kB * 1024
    }

    /// User + system CPU seconds so far (utime and stime of /proc/<pid>/stat); nil when gone.
    public var cpuSeconds: Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name (which may hold spaces), fields start at 3 (state); utime is 14.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
