import D8Core
import Hummingbird

extension Request {
    /// The body as a JSON object, refused in words when it is not one: wrong content type (415),
    /// too large (413), not JSON (400), not an object (400).
    func jsonObject(maxBytes: Int, required: Bool = true) async throws(APIError) -> [String: JSONValue] {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: maxBytes)
        } catch {
            throw APIError(.bodyTooLarge, "the request body is larger than the limit of \(maxBytes) bytes")
        }
        if buffer.readableBytes == 0 {
            if required { throw APIError(.badRequest, "the request needs a JSON object body") }
            return [:]
        }
        // The media type exactly (application/jsonp is not JSON); parameters such as charset aside.
        // Repeated headers arrive joined with commas, so two content types never match.
        let contentType = headers[.contentType]?.lowercased() ?? ""
        let mediaType = String(contentType.prefix { $0 != ";" }.filter { !$0.isWhitespace })
        guard mediaType == "application/json" else {
            throw APIError(.unsupportedMediaType, "send the body as JSON with 'Content-Type: application/json'" + (contentType.isEmpty ? "" : " (got '\(contentType)')"))
        }
        let value: JSONValue
        do { value = try JSONValue.parse(buffer.readableBytesView) } catch {
            throw APIError(.malformedJSON, error.description)
        }
        guard case let .object(object) = value else {
            throw APIError(.badRequest, "the body must be a JSON object, got \(value.kindDescription)")
        }
        return object
    }
}
