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
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
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

/// Typed reads of request fields, each failing with a message that names the field.
extension Dictionary where Key == String, Value == JSONValue {
    func requiredString(_ field: String) throws(APIError) -> String {
        guard let value = self[field], value != .null else { throw APIError.missing(field) }
        guard let string = value.stringValue, !string.isEmpty else { throw APIError.invalid(field, "a non-empty string", got: value) }
        return string
    }

    func optionalString(_ field: String, maxLength: Int = 256) throws(APIError) -> String? {
        guard let value = self[field], value != .null else { return nil }
        guard let string = value.stringValue, !string.isEmpty, string.count <= maxLength else {
            throw APIError.invalid(field, "a non-empty string of at most \(maxLength) characters", got: value)
        }
        return string
    }

    func requiredObject(_ field: String) throws(APIError) -> JSONValue {
        guard let value = self[field], value != .null else { throw APIError.missing(field) }
        guard case .object = value else { throw APIError.invalid(field, "a JSON object", got: value) }
        return value
    }

    func optionalObject(_ field: String) throws(APIError) -> JSONValue? {
        guard let value = self[field], value != .null else { return nil }
        guard case .object = value else { throw APIError.invalid(field, "a JSON object", got: value) }
        return value
    }

    /// Priorities are integers from 1 (low) to 10 (urgent); 5 when absent.
    /// An optional amount of US dollars: a number, at least 0.
    func optionalUSD(_ field: String) throws(APIError) -> Double? {
        guard let value = self[field], value != .null else { return nil }
        guard let amount = value.doubleValue, amount.isFinite, amount >= 0 else {
            throw APIError(.invalidField, "'\(field)' must be a number of US dollars, at least 0")
        }
        return amount
    }

    func priority() throws(APIError) -> Int {
        guard let value = self["priority"], value != .null else { return TaskPriority.default }
        guard let p = value.intValue, TaskPriority.range.contains(p) else {
            let shown = value.doubleValue.map { "\($0)" } ?? value.kindDescription
            throw APIError(.invalidField, "field 'priority' must be an integer from 1 to 10, got \(shown)")
        }
        return p
    }
}
