import Hummingbird
import HummingbirdTesting
import Testing
@testable import D8Server

@Suite("GET /health on a live server")
struct HealthTests {
    @Test func answersInTheD8Shape() async throws {
        let app = buildApplication(ServerArguments(port: 0, logLevel: .error))
        try await app.test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains("\"status\":\"healthy\""))
                #expect(body.contains("\"service\":\"d8-orchestrator\""))
                #expect(body.contains("\"workers_online\":0"))
            }
        }
    }
}
