import D8Core
import D8Wire
import Foundation
import Hummingbird

/// Every refusal d8 answers with: a 4xx (or 503) and `{"error": "<in words>", "code": "<stable>"}`.
/// Each case is mapped to its status here, once.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    enum Code: String {
        case badRequest = "bad_request"
        case malformedJSON = "malformed_json"
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case unsupportedMediaType = "unsupported_media_type"
        case bodyTooLarge = "body_too_large"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case jobNotFound = "job_not_found"
        case unknownWorker = "unknown_worker"
        case unknownTaskType = "unknown_task_type"
        case unknownWorkerType = "unknown_worker_type"
        case noEligibleWorkerType = "no_eligible_worker_type"
        case budgetExceeded = "budget_exceeded"
        case unknownPrice = "unknown_price"
        case staleLease = "stale_lease"
        case conflict
        case queueFull = "queue_full"
        case methodNotAllowed = "method_not_allowed"
        case shuttingDown = "shutting_down"
        /// The database cannot answer now (a cluster's PostgreSQL is away or slow): try again.
        case storeUnavailable = "store_unavailable"
    }

    let code: Code
    public let message: String
    /// Seconds until the same request may pass (a spent budget: the next budget day).
    var retryAfter: Int?

    init(_ code: Code, _ message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    /// A body that is not what the protocol says: a 400 naming the field.
    init(_ error: WireError) {
        self.init(error.code == .missingField ? .missingField : .invalidField, error.message)
    }

    public var status: HTTPResponse.Status {
        switch code {
        case .badRequest, .malformedJSON, .missingField, .invalidField: .badRequest
        case .unsupportedMediaType: .unsupportedMediaType
        case .bodyTooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound, .jobNotFound, .unknownWorker: .notFound
        case .unknownTaskType, .unknownWorkerType, .noEligibleWorkerType, .unknownPrice: .unprocessableContent
        case .staleLease, .conflict: .conflict
        case .budgetExceeded: .tooManyRequests
        case .queueFull, .shuttingDown, .storeUnavailable: .serviceUnavailable
        case .methodNotAllowed: .methodNotAllowed
        }
    }

    public var description: String { "\(status.code) \(code.rawValue): \(message)" }

    public var headers: HTTPFields { retryAfter.map { [.retryAfter: "\($0)"] } ?? [:] }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        // The front door's callers are OpenAI SDKs: they read OpenAI's error shape.
        if request.uri.path.hasPrefix("/v1/") { return OpenAIError(self).response }
        let body: JSONValue = ["error": .string(message), "code": .string(code.rawValue)]
        var response = Response.json(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.jsonBytes))
        )
    }
}
