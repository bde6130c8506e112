import D8Core
import D8Store
import D8Wire
import Foundation
import Hummingbird

/// The web dashboard at `/ui`: overview, queues, tasks, a task, workers and costs, with cancel,
/// retry, pause and resume. Server-rendered; a small script refreshes the page's main part.
/// It signs browsers in itself (a cookie, see UISessions), so auth lets `/ui` through.
struct UIController {
    let orchestrator: Orchestrator
    let renderer: UIRenderer
    let sessions = UISessions()
    let keys: [ClientKey]

    init(orchestrator: Orchestrator) throws {
        self.orchestrator = orchestrator
        renderer = try UIRenderer()
        keys = orchestrator.config.auth.clientKeys
    }

    func addRoutes(to router: Router<D8RequestContext>) {
        router.get("/ui", use: overview)
        router.get("/ui/login") { request, _ in renderer.login(error: nil, next: Self.next(request.uri.queryParameters["next"].map(String.init))) }
        router.post("/ui/login", use: signIn)
        router.post("/ui/logout", use: signOut)
        router.get("/ui/queues", use: queues)
        router.get("/ui/tasks", use: tasks)
        router.get("/ui/tasks/:task_id", use: task)
        router.post("/ui/tasks/:task_id/cancel", use: cancel)
        router.post("/ui/tasks/:task_id/retry", use: retry)
        router.get("/ui/workers", use: workers)
        router.get("/ui/costs", use: costs)
        router.post("/ui/task-types/:name/pause") { request, context in try await setPaused(request, context, true) }
        router.post("/ui/task-types/:name/resume") { request, context in try await setPaused(request, context, false) }
        router.get("/ui/assets/app.js") { _, _ in Self.asset(PackageResources.app_js, type: "text/javascript; charset=utf-8") }
        router.get("/ui/assets/app.css") { _, _ in Self.asset(PackageResources.app_css, type: "text/css; charset=utf-8") }
    }

    // MARK: Signing in

    /// The user of a request, or a redirect to the sign-in page.
    func user(_ request: Request) -> UIUser? {
        guard !keys.isEmpty else { return .operator }
        let token = UISessions.token(in: request.headers[.cookie])
        return sessions.key(for: token, now: Orchestrator.epochNow()).map(UIUser.key)
    }

    func signInFirst(_ request: Request) -> Response {
        let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let target = "/ui/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/ui")
        return Response(status: .seeOther, headers: [.location: target])
    }

    @Sendable func signIn(_ request: Request, context: D8RequestContext) async throws -> Response {
        let form = FormBody.parse(Array(buffer: try await request.body.collect(upTo: 16_384)))
        let next = Self.next(form["next"])
        guard !keys.isEmpty else { return Response(status: .seeOther, headers: [.location: next]) }
        guard let given = form["key"], let key = keys.first(where: { constantTimeEquals(given, $0.key) }) else {
            return renderer.login(error: "That key is not valid.", next: next, status: .unauthorized)
        }
        let token = sessions.open(for: key, now: Orchestrator.epochNow())
        return Response(status: .seeOther, headers: [.location: next, .setCookie: UISessions.setCookie(token)])
    }

    @Sendable func signOut(_ request: Request, context: D8RequestContext) async throws -> Response {
        sessions.close(UISessions.token(in: request.headers[.cookie]))
        return Response(status: .seeOther, headers: [.location: "/ui/login", .setCookie: UISessions.clearCookie])
    }

    /// Only a dashboard page is a place to go back to (no open redirect).
    static func next(_ value: String?) -> String {
        guard let value, value.hasPrefix("/ui"), !value.hasPrefix("//") else { return "/ui" }
        return value
    }

    // MARK: Pages

    /// Runs a page for a signed-in user; a refusal of the orchestrator becomes a page with words.
    func page(_ request: Request, title: String, section: String,
              _ build: (UIUser) async throws(APIError) -> (template: String, values: [String: Any])) async -> Response {
        guard let user = user(request) else { return signInFirst(request) }
        let fragment = request.uri.queryParameters["fragment"] != nil
        let notice = request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }
        do {
            let (template, values) = try await build(user)
            return renderer.page(template, values, title: title, section: section, user: user, signedIn: !keys.isEmpty, notice: notice, fragment: fragment)
        } catch {
            return refusal(error, title: title, section: section, user: user, fragment: fragment)
        }
    }

    /// The orchestrator's refusal as a page with its words and its status.
    func refusal(_ error: APIError, title: String, section: String, user: UIUser, fragment: Bool) -> Response {
        let values: [String: Any] = ["heading": title, "message": error.message, "back": "/ui"]
        return renderer.page("message", values, title: title, section: section, user: user, signedIn: !keys.isEmpty, notice: nil,
                             fragment: fragment, status: .init(code: Int(error.status.code)))
    }

    /// Confirmations shown after a control, by the code its redirect carries.
    static let notices = [
        "cancelled": "The task was cancelled.", "retried": "The task was submitted again as a new task (this one).",
        "paused": "The task type is paused: its tasks wait, none is handed out.", "resumed": "The task type is running again.",
        "unchanged": "The task had already finished; nothing changed.",
    ]

    @Sendable func overview(_ request: Request, context: D8RequestContext) async throws -> Response {
        await page(request, title: "Overview", section: "overview") { user throws(APIError) in
            let stats = try await orchestrator.statistics(for: user.viewer)
            let now = Orchestrator.epochNow()
            let minutes = try await orchestrator.throughput(since: now - 3600, for: user.viewer)
            return ("overview", UIPages.overview(stats, minutes: minutes, now: now))
        }
    }

    @Sendable func queues(_ request: Request, context: D8RequestContext) async throws -> Response {
        await page(request, title: "Queues", section: "queues") { user throws(APIError) in
            ("queues", UIPages.queues(orchestrator.queuesView(for: user.viewer), taskTypes: orchestrator.config.taskTypes.map(\.name), user: user,
                                      now: Orchestrator.epochNow()))
        }
    }

    @Sendable func tasks(_ request: Request, context: D8RequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        if let id = query["id"].map(String.init)?.trimmingCharacters(in: .whitespaces), !id.isEmpty {
            return Response(status: .seeOther, headers: [.location: Self.taskPath(id)])
        }
        return await page(request, title: "Tasks", section: "tasks") { user throws(APIError) in
            let filter = UIPages.TaskFilter(query: query)
            var storeQuery = filter.storeQuery
            storeQuery.client = user.viewer.client
            let rows = try await orchestrator.tasksPage(storeQuery)
            let config = orchestrator.config
            return ("tasks", UIPages.tasks(rows, filter: filter, taskTypes: config.taskTypes.map(\.name), workerTypes: config.workerTypes.map(\.name)))
        }
    }

    @Sendable func task(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = (try? context.pathParameter("task_id")) ?? ""
        return await page(request, title: "Task", section: "tasks") { user throws(APIError) in
            ("task", UIPages.task(try await orchestrator.task(id, for: user.viewer)))
        }
    }

    @Sendable func workers(_ request: Request, context: D8RequestContext) async throws -> Response {
        await page(request, title: "Workers", section: "workers") { user throws(APIError) in
            ("workers", UIPages.workers(orchestrator.workersView(for: user.viewer)))
        }
    }

    @Sendable func costs(_ request: Request, context: D8RequestContext) async throws -> Response {
        await page(request, title: "Costs", section: "costs") { user throws(APIError) in
            let stats = try await orchestrator.statistics(for: user.viewer)
            let days = try await orchestrator.dailySpend(since: Orchestrator.epochNow() - 31 * 86400, for: user.viewer)
            return ("costs", UIPages.costs(stats, days: days))
        }
    }

    // MARK: Controls (POST forms; the SameSite=Strict cookie keeps other sites from posting them)

    @Sendable func cancel(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = (try? context.pathParameter("task_id")) ?? ""
        return await control(request, title: "Cancel") { user throws(APIError) in
            let view = try await orchestrator.cancel(taskID: id, by: user.viewer)
            return Self.taskPath(id) + (view.record.status == .cancelled ? "?done=cancelled" : "?done=unchanged")
        }
    }

    @Sendable func retry(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = (try? context.pathParameter("task_id")) ?? ""
        return await control(request, title: "Retry") { user throws(APIError) in
            Self.taskPath(try await orchestrator.retry(taskID: id, by: user.viewer).taskID) + "?done=retried"
        }
    }

    func setPaused(_ request: Request, _ context: D8RequestContext, _ pause: Bool) async throws -> Response {
        let name = (try? context.pathParameter("name")) ?? ""
        return await control(request, title: pause ? "Pause" : "Resume") { user throws(APIError) in
            guard user.isAdmin else { throw APIError(.forbidden, "pausing a task type needs an admin key") }
            try orchestrator.setPaused(name, pause)
            return "/ui/queues?done=" + (pause ? "paused" : "resumed")
        }
    }

    /// Carries out a control and redirects to where its confirmation shows.
    func control(_ request: Request, title: String, _ act: (UIUser) async throws(APIError) -> String) async -> Response {
        guard let user = user(request) else { return signInFirst(request) }
        do {
            return Response(status: .seeOther, headers: [.location: try await act(user)])
        } catch {
            return refusal(error, title: title, section: "tasks", user: user, fragment: false)
        }
    }

    static func taskPath(_ id: String) -> String {
        "/ui/tasks/" + (id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-"))) ?? id)
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
