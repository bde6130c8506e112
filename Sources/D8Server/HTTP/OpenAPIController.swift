import Hummingbird

/// `GET /openapi.yaml`: the API's OpenAPI 3.1 document, open like `/health`.
struct OpenAPIController {
    func addRoutes(to router: Router<D8RequestContext>) {
        router.get("/openapi.yaml", use: document)
    }

    @Sendable func document(_ request: Request, context: D8RequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/yaml"],
            body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml))
        )
    }
}
