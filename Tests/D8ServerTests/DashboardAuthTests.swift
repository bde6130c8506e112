import D8Core
import D8Harness
import Foundation
import Testing

/// Who may look at and act from the dashboard: every page and control with no session, a made-up
/// session, another client's session, the owner's, and an admin's.
@Suite("Dashboard auth")
struct DashboardAuthTests {
    static let alpha = "ck-dash-alpha-2e91", beta = "ck-dash-beta-c40a", admin = "ak-dash-ops-7b15"

    static func configure(_ config: inout D8Config) {
        config.auth.workerToken = "wt-dash-5f"
        config.auth.clientKeys = [ClientKey(name: "alpha", key: alpha), ClientKey(name: "beta", key: beta), ClientKey(name: "ops", key: admin, isAdmin: true)]
    }

    /// One browser: a raw connection that sends its session cookie and does not follow redirects.
    struct Browser {
        let port: Int
        var cookie: String?

        func send(_ method: String, _ path: String, form: String? = nil) throws -> RawHTTPConnection.Response {
            var headers: [(String, String)] = []
            if let cookie { headers.append(("Cookie", "d8_session=\(cookie)")) }
            if form != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
            return try RawHTTPConnection(port: port).request(httpRequest(method, path, headers: headers, body: Array((form ?? "").utf8)))
        }

        static func signIn(port: Int, key: String) throws -> Browser {
            let answer = try Browser(port: port).send("POST", "/ui/login", form: "key=\(key)&next=%2Fui")
            let setCookie = try #require(answer.header("set-cookie"))
            #expect(answer.status == 303 && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let token = try #require(setCookie.split(separator: ";").first?.split(separator: "=").last.map(String.init))
            return Browser(port: port, cookie: token)
        }
    }

    @Test func everyPageAndControlAsEachCaller() async throws {
        try await withLiveServer(Self.configure) { server in
            let alphaTask = try #require(try await server.client(Self.alpha).submit()["task_id"]?.stringValue)
            let betaTask = try #require(try await server.client(Self.beta).submit(data: ["prompt": "beta's words"])["task_id"]?.stringValue)
            let port = server.port
            let nobody = Browser(port: port), forged = Browser(port: port, cookie: "0123456789abcdef")
            let alpha = try Browser.signIn(port: port, key: Self.alpha)
            let beta = try Browser.signIn(port: port, key: Self.beta)
            let admin = try Browser.signIn(port: port, key: Self.admin)

            let pages = ["/ui", "/ui/queues", "/ui/tasks", "/ui/workers", "/ui/costs", "/ui/tasks/\(alphaTask)"]
            for page in pages {
                for stranger in [nobody, forged] {
                    let answer = try stranger.send("GET", page)
                    #expect(answer.status == 303 && answer.header("location")?.hasPrefix("/ui/login?next=") == true, "\(page) without a session: \(answer.status)")
                }
                #expect(try alpha.send("GET", page).status == 200, "\(page) as alpha")
                #expect(try admin.send("GET", page).status == 200, "\(page) as admin")
            }
            // Another client's task reads as no task at all.
            let hidden = try alpha.send("GET", "/ui/tasks/\(betaTask)")
            #expect(hidden.status == 404 && !String(decoding: hidden.body, as: UTF8.self).contains("beta's words"))
            #expect(try admin.send("GET", "/ui/tasks/\(betaTask)").status == 200)
            #expect(!String(decoding: try alpha.send("GET", "/ui/tasks").body, as: UTF8.self).contains(betaTask))

            // Controls: strangers are sent to sign in, another client gets a 404, the owner and admin act.
            for stranger in [nobody, forged] { #expect(try stranger.send("POST", "/ui/tasks/\(betaTask)/cancel").status == 303) }
            #expect(try alpha.send("POST", "/ui/tasks/\(betaTask)/cancel").status == 404)
            #expect(try await server.client(Self.beta).status(betaTask)["status"] == "pending", "nothing changed")
            let cancelled = try beta.send("POST", "/ui/tasks/\(betaTask)/cancel")
            #expect(cancelled.status == 303 && cancelled.header("location")?.hasSuffix("?done=cancelled") == true)
            #expect(try alpha.send("POST", "/ui/tasks/\(betaTask)/retry").status == 404)
            let retried = try admin.send("POST", "/ui/tasks/\(betaTask)/retry")
            #expect(retried.status == 303 && retried.header("location")?.contains("done=retried") == true)
            #expect(try alpha.send("POST", "/ui/task-types/echo/pause").status == 403)
            #expect(try nobody.send("POST", "/ui/task-types/echo/pause").status == 303)
            #expect(try admin.send("POST", "/ui/task-types/echo/pause").status == 303)
            #expect(try admin.send("POST", "/ui/task-types/echo/resume").status == 303)
            #expect(try admin.send("POST", "/ui/task-types/no-such-type/pause").status == 404)

            // A wrong key at sign-in, and signing out.
            let wrong = try nobody.send("POST", "/ui/login", form: "key=guess")
            #expect(wrong.status == 401 && wrong.header("set-cookie") == nil)
            #expect(try alpha.send("POST", "/ui/logout").status == 303)
            #expect(try alpha.send("GET", "/ui").status == 303, "the session ended")
            // No page carries a key.
            for page in pages {
                let text = String(decoding: try admin.send("GET", page).body, as: UTF8.self)
                for key in [Self.alpha, Self.beta, Self.admin] { #expect(!text.contains(key)) }
            }
        }
    }

    @Test func withoutKeysLoopbackIsTheOperator() async throws {
        try await withLiveServer { (server: LiveServer) async throws -> Void in
            let browser = Browser(port: server.port)
            #expect(try browser.send("GET", "/ui").status == 200)
            #expect(try browser.send("POST", "/ui/task-types/echo/pause").status == 303)
            #expect(try browser.send("GET", "/ui/assets/app.js").status == 200)
        }
    }
}
