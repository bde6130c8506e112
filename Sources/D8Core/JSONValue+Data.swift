import Foundation

extension JSONValue {
    /// The JSON text as Foundation `Data`, for APIs that take it (URLSession, FileHandle).
    public var jsonData: Data { Data(jsonBytes) }
}
