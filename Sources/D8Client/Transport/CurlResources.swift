internal import CCurl

/// A CURL easy handle; only one request uses it at a time (it is out of the pool meanwhile).
struct EasyHandle: @unchecked Sendable {
    let curl: UnsafeMutableRawPointer
}

/// A ccurl_buffer at a stable address: libcurl keeps the pointer from ccurl_receive until perform ends.
struct Buffer {
    let pointer = UnsafeMutablePointer<ccurl_buffer>.allocate(capacity: 1)

    init() { pointer.initialize(to: ccurl_buffer(data: nil, len: 0, cap: 0)) }

    var bytes: [UInt8] {
        guard let data = pointer.pointee.data else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: pointer.pointee.len))
    }

    func free() {
        ccurl_buffer_free(pointer)
        pointer.deallocate()
    }
}

/// The request headers as a curl_slist ("Name: value", or "Name;" for an empty value, which is
/// libcurl's spelling). Adds an empty "Expect:" so libcurl never waits for a 100-continue.
struct HeaderList {
    private(set) var head: UnsafeMutablePointer<curl_slist>?

    init?(_ headers: [HTTPHeader]) {
        var lines = headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        if !headers.contains(where: { $0.name.lowercased() == "expect" }) { lines.append("Expect:") }
        for line in lines {
            guard let appended = curl_slist_append(head, line) else {
                free()
                return nil
            }
            head = appended
        }
    }

    func free() { curl_slist_free_all(head) }
}
