import D8Wire
import Hummingbird

/// `GET /openapi.yaml`: the API's OpenAPI 3.1 document, open like `/health`. It is
/// docs/openapi.yaml compiled in (HTTP/openapi.yaml links to it), so it cannot drift from the file.
struct OpenAPIController {
    static let document = ByteBuffer(bytes: PackageResources.openapi_yaml)

    func addRoutes(to router: Router<D8RequestContext>) {
        router.add(.openAPI, use: document)
    }

    @Sendable func document(_ request: Request, context: D8RequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: Self.document))
    }
}
