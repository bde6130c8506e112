import Foundation
import Hummingbird
import Mustache

/// The dashboard's pages: mustache templates compiled into the binary (UI/Templates), each
/// page rendered inside the layout, or alone when the live refresh asks for the fragment.
/// Every value is HTML-escaped by mustache; only the rendered page goes into the layout raw.
struct UIRenderer: Sendable {
    let library: MustacheLibrary

    init() throws {
        let templates: [String: [UInt8]] = [
            "layout": PackageResources.layout_mustache, "login": PackageResources.login_mustache,
            "overview": PackageResources.overview_mustache, "queues": PackageResources.queues_mustache,
            "tasks": PackageResources.tasks_mustache, "task": PackageResources.task_mustache,
            "workers": PackageResources.workers_mustache, "costs": PackageResources.costs_mustache,
            "message": PackageResources.message_mustache,
        ]
        var library = MustacheLibrary()
        for (name, bytes) in templates { try library.register(String(decoding: bytes, as: UTF8.self), named: name) }
        self.library = library
    }

    /// A page: `section` marks its tab in the navigation.
    func page(_ template: String, _ values: [String: Any], title: String, section: String, user: UIUser, signedIn: Bool,
              notice: String?, fragment: Bool, status: HTTPResponse.Status = .ok) -> Response {
        let content = library.render(values, withTemplate: template) ?? ""
        if fragment { return html(content, status: status) }
        var layout: [String: Any] = ["title": title, "content": content, "who": user.name, section: true, "signedIn": signedIn]
        if let notice { layout["notice"] = notice }
        return html(library.render(layout, withTemplate: "layout") ?? "", status: status)
    }

    func login(error: String?, next: String, status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = ["next": next]
        if let error { values["error"] = error }
        return html(library.render(values, withTemplate: "login") ?? "", status: status)
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
