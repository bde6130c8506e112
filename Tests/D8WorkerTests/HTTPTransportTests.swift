@testable import D8Client
import Foundation
import Testing

/// The libcurl transport against a real socket server on 127.0.0.1.
@Suite struct HTTPTransportTests {
    let transport = HTTPTransport()

    @Test func postArrivesIntactAndTheAnswerComesBack() throws {
        let server = try FakeHTTPServer(replies: [.respond(status: 200, headers: [("Content-Type", "application/json"), ("X-Trace", "a b")], body: #"{"ok":true}"#)])
        defer { server.stop() }
        let body = Array(#"{"model":"m","messages":[{"role":"user","content":"héllo"}]}"#.utf8)
        let headers = [HTTPHeader(name: "Content-Type", value: "application/json"), HTTPHeader(name: "Authorization", value: "Bearer sk-test")]
        let result = transport.send(method: "POST", url: "http://127.0.0.1:\(server.port)/v1/chat?x=1", headers: headers, body: body, timeout: .seconds(5))

        guard case let .response(response) = result else {
            Issue.record("expected a response, got \(result)")
            return
        }
        #expect(response.status == 200)
        #expect(response.body == Array(#"{"ok":true}"#.utf8))
        #expect(response.header("x-trace") == "a b")
        #expect(response.header("content-type") == "application/json")
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat?x=1")
        #expect(request.body == body)
        #expect(request.header("authorization") == "Bearer sk-test")
        #expect(request.header("content-type") == "application/json")
        #expect(request.header("expect") == nil)
    }

    @Test func tooManyRequestsKeepsItsStatusAndRetryAfter() throws {
        let server = try FakeHTTPServer(replies: [.respond(status: 429, headers: [("retry-after", "7")], body: "slow down")])
        defer { server.stop() }
        let result = transport.send(method: "GET", url: "http://127.0.0.1:\(server.port)/", headers: [], body: [], timeout: .seconds(5))
        guard case let .response(response) = result else {
            Issue.record("expected a response, got \(result)")
            return
        }
        #expect(response.status == 429)
        #expect(response.header("Retry-After") == "7")
        #expect(response.body == Array("slow down".utf8))
        #expect(server.requests.first?.method == "GET")
    }

    @Test func closedPortIsATransportError() throws {
        let port = try FakeHTTPServer.closedPort()
        let result = transport.send(method: "GET", url: "http://127.0.0.1:\(port)/", headers: [], body: [], timeout: .seconds(5))
        guard case let .transportError(message) = result else {
            Issue.record("expected a transport error, got \(result)")
            return
        }
        #expect(message.hasPrefix("connection refused"))
    }

    @Test func silentServerTimesOut() throws {
        let server = try FakeHTTPServer(replies: [.silence])
        defer { server.stop() }
        let start = ContinuousClock.now
        let result = transport.send(method: "POST", url: "http://127.0.0.1:\(server.port)/", headers: [], body: Array("{}".utf8), timeout: .milliseconds(300))
        #expect(result == .transportError("timed out after 300 ms"))
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test func twoRequestsInARowShareOneConnection() throws {
        let server = try FakeHTTPServer(replies: [.respond(status: 200, body: "one"), .respond(status: 201, body: "two")])
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/"
        let first = transport.send(method: "GET", url: url, headers: [], body: [], timeout: .seconds(5))
        let second = transport.send(method: "PUT", url: url, headers: [], body: Array("x".utf8), timeout: .seconds(5))
        #expect(first == .response(HTTPResponse(status: 200, headers: [HTTPHeader(name: "Content-Length", value: "3")], body: Array("one".utf8))))
        #expect(second == .response(HTTPResponse(status: 201, headers: [HTTPHeader(name: "Content-Length", value: "3")], body: Array("two".utf8))))
        #expect(server.requests.map(\.method) == ["GET", "PUT"])
        #expect(server.connections == 1)
    }

    /// Pooled handles are not reset: each request must set its method and body afresh.
    @Test func aReusedHandleCarriesNoMethodOrBodyOver() throws {
        let server = try FakeHTTPServer(replies: [.respond(status: 200), .respond(status: 200), .respond(status: 200, body: "got"), .respond(status: 204)])
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/"
        let results = [
            transport.send(method: "POST", url: url, headers: [], body: Array("abc".utf8), timeout: .seconds(5)),
            transport.send(method: "HEAD", url: url, headers: [], body: [], timeout: .seconds(5)),
            transport.send(method: "GET", url: url, headers: [], body: [], timeout: .seconds(5)),
            transport.send(method: "DELETE", url: url, headers: [], body: [], timeout: .seconds(5)),
        ]
        #expect(results.map { if case let .response(r) = $0 { r.status } else { 0 } } == [200, 200, 200, 204])
        if case let .response(get) = results[2] { #expect(get.body == Array("got".utf8)) }
        let requests = server.requests
        #expect(requests.map(\.method) == ["POST", "HEAD", "GET", "DELETE"])
        #expect(requests.map(\.body.count) == [3, 0, 0, 0])
        #expect(requests.dropFirst().allSatisfy { $0.header("content-length") == nil })
    }

    @Test func badRequestsAreRefusedBeforeSending() {
        let refusals = [
            transport.send(method: "GE T", url: "http://127.0.0.1:1/", headers: [], body: []),
            transport.send(method: "GET", url: "ftp://127.0.0.1/", headers: [], body: []),
            transport.send(method: "GET", url: "http://127.0.0.1:1/a b", headers: [], body: []),
            transport.send(method: "GET", url: "http://127.0.0.1:1/", headers: [HTTPHeader(name: "X", value: "a\r\nInjected: 1")], body: []),
        ]
        for result in refusals {
            guard case .refused = result else {
                Issue.record("expected a refusal, got \(result)")
                continue
            }
        }
    }

    @Test func headerParserKeepsOnlyTheFinalResponse() {
        let raw = Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nA: 1\r\nB:  x\r\n  folded\r\nA: 2\r\n\r\n".utf8)
        #expect(HTTPHeaderParser.parse(raw) == [
            HTTPHeader(name: "A", value: "1"), HTTPHeader(name: "B", value: "x folded"), HTTPHeader(name: "A", value: "2"),
        ])
    }
}
