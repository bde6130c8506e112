import D8Core
import D8Wire
import Hummingbird
import Logging

/// Every error leaves as d8's JSON error shape: the router's own 404s and 405s too. An error
/// that is not a client's fault is logged and answered 500 without internals.
struct ErrorMiddleware: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: D8RequestContext, next: (Request, D8RequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as OpenAIError {
            throw error
        } catch let error as WireError {
            throw APIError(error)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                // A method this path takes but the router did not match ("/api/stats/"): a 404.
                let allowed = Route.methods(for: request.uri.path)
                guard allowed.isEmpty || allowed.contains(request.method.rawValue) else {
                    throw APIError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path) (allowed: \(allowed.joined(separator: ", ")))")
                }
                throw APIError(.notFound, "no route for \(request.method) \(request.uri.path)")
            case .methodNotAllowed: throw APIError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)")
            case .contentTooLarge: throw APIError(.bodyTooLarge, "the request body is too large")
            case .unsupportedMediaType: throw APIError(.unsupportedMediaType, "send the body as JSON with 'Content-Type: application/json'")
            default:
                if (400..<500).contains(error.status.code) { throw APIError(.badRequest, error.body ?? error.status.reasonPhrase) }
                logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                throw error
            }
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return .json(["error": "internal error; see the orchestrator's log", "code": "internal"], status: .internalServerError)
        }
    }
}
