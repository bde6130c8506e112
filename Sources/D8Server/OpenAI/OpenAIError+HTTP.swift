import D8Core
import D8Wire
import Hummingbird

/// OpenAI's error shape on the wire, with `retry-after` when waiting helps.
extension OpenAIError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    public var headers: HTTPFields { retryAfter.map { [.retryAfter: "\($0)"] } ?? [:] }

    public func response(from request: Request, context: some RequestContext) throws -> Response { response }

    var response: Response {
        var response = Response.json(json, status: HTTPResponse.Status(code: statusCode))
        response.headers.append(contentsOf: headers)
        return response
    }

    /// d8's refusals in OpenAI's words and types, so the SDKs raise their usual exceptions.
    init(_ error: APIError) {
        let message = error.message
        switch error.code {
        case .unauthorized: self.init(status: 401, message, type: "authentication_error", code: "invalid_api_key")
        case .forbidden: self.init(status: 403, message, type: "permission_error")
        case .notFound, .jobNotFound, .unknownWorker: self.init(status: 404, message, type: "invalid_request_error", code: "not_found")
        case .unknownTaskType, .unknownWorkerType: self.init(status: 404, message, type: "invalid_request_error", code: "model_not_found")
        case .noEligibleWorkerType: self.init(status: 400, message, type: "invalid_request_error", code: "no_eligible_model")
        case .unknownPrice: self.init(status: 400, message + " (a worker type's `prices` in the config gives one)", type: "invalid_request_error", param: "model", code: "unknown_price")
        case .budgetExceeded: self.init(status: 429, message, type: "insufficient_quota", code: "budget_exceeded", retryAfter: error.retryAfter)
        case .staleLease, .conflict: self.init(status: 409, message, type: "invalid_request_error", code: "conflict")
        case .queueFull, .shuttingDown: self.init(status: 503, message, type: "api_error", code: "unavailable")
        case .storeUnavailable: self.init(status: 503, message, type: "api_error", code: "unavailable", retryAfter: error.retryAfter)
        case .methodNotAllowed: self.init(status: 405, message, type: "invalid_request_error")
        case .bodyTooLarge: self.init(status: 413, message, type: "invalid_request_error")
        case .badRequest, .malformedJSON, .missingField, .invalidField, .unsupportedMediaType:
            self.init(status: 400, message, type: "invalid_request_error")
        }
    }
}
