import Foundation
import D8Core
import D8Wire
import HTTPTypes
import Hummingbird

/// d8's own request headers on the front door: priority, cost ceiling, idempotency and how
/// long to wait. Each bad value is a 400 that names its header.
struct FrontDoorOptions: Sendable {
    var priority = TaskPriority.default
    var maxCostUSD: Double?
    var idempotencyKey: String?
    var timeout: Duration

    init(_ headers: HTTPFields, config: FrontDoorConfig) throws(OpenAIError) {
        timeout = config.timeout
        if let text = headers[Self.priorityHeader] {
            guard let p = Int(text.trimmed), TaskPriority.range.contains(p) else {
                throw .invalid("x-d8-priority", "header x-d8-priority must be an integer from 1 to 10, got '\(text)'")
            }
            priority = p
        }
        if let text = headers[Self.maxCost] {
            guard let usd = Double(text.trimmed), usd.isFinite, usd >= 0 else {
                throw .invalid("x-d8-max-cost-usd", "header x-d8-max-cost-usd must be a number of US dollars, at least 0, got '\(text)'")
            }
            maxCostUSD = usd
        }
        if let text = headers[Self.idempotency] {
            let key = text.trimmed
            guard !key.isEmpty, key.count <= 256 else { throw .invalid("Idempotency-Key", "header Idempotency-Key must be 1 to 256 characters") }
            idempotencyKey = key
        }
        if let text = headers[Self.timeoutHeader] {
            let trimmed = text.trimmed
            let number = trimmed.hasSuffix("s") ? String(trimmed.dropLast()) : trimmed
            guard let seconds = Double(number), seconds.isFinite, seconds > 0, seconds <= 86_400 else {
                throw .invalid("x-d8-timeout", "header x-d8-timeout must be a number of seconds from 0 to 86400, got '\(text)'")
            }
            timeout = .milliseconds(Int64(seconds * 1000))
        }
    }

    static let priorityHeader = HTTPField.Name("x-d8-priority")!
    static let maxCost = HTTPField.Name("x-d8-max-cost-usd")!
    static let idempotency = HTTPField.Name("Idempotency-Key")!
    static let timeoutHeader = HTTPField.Name("x-d8-timeout")!
}

/// The headers every front-door answer carries.
enum FrontDoorHeader {
    static let taskID = HTTPField.Name("x-d8-task-id")!
    static let workerType = HTTPField.Name("x-d8-worker-type")!
    static let cost = HTTPField.Name("x-d8-cost-usd")!
    static let requestID = HTTPField.Name("x-request-id")!
}

private extension String {
    var trimmed: String { trimmingCharacters(in: .whitespaces) }
}
