#ifndef CCURL_H
#define CCURL_H

/* Typed wrappers over libcurl's easy interface: curl_easy_setopt and curl_easy_getinfo are
 * variadic, which Swift cannot call. Only what the host HTTP transport needs. */

#include <curl/curl.h>
#include <stddef.h>

/* A growable byte buffer the transfer appends to (body, or the raw header block). */
typedef struct ccurl_buffer {
    char *data;
    size_t len;
    size_t cap;
} ccurl_buffer;

/* A receiver of bytes as libcurl hands them over (CURLOPT_WRITEFUNCTION's shape): return
 * `size * count` to go on, anything else aborts the transfer with CURLE_WRITE_ERROR. */
typedef size_t (*ccurl_receive_fn)(char *data, size_t size, size_t count, void *ctx);

/* A ccurl_receive_fn that appends to the ccurl_buffer given as ctx (a whole answer at once). */
size_t ccurl_buffer_append(char *data, size_t size, size_t count, void *ctx);

/* Frees the buffer's memory and empties it. */
void ccurl_buffer_free(ccurl_buffer *buffer);

/* curl_global_init(CURL_GLOBAL_DEFAULT); call once, before any other thread uses libcurl. */
CURLcode ccurl_global_init(void);

/* Sets every option a request depends on, so a reused handle carries nothing over from its
 * previous request (but keeps its connection cache). http(s) only, no redirects, no signals,
 * any content encoding decoded. `body` (len bytes) must stay valid until ccurl_perform returns;
 * `headers` too (NULL for none). A body is sent when len > 0 or the method is POST. Where the
 * answer goes is set next, with ccurl_receive. */
CURLcode ccurl_prepare(CURL *curl, const char *url, const char *method, const char *body, size_t len,
                       const struct curl_slist *headers, long connect_timeout_ms, long timeout_ms);

/* After ccurl_prepare: the decoded body goes to `body` and each raw header line (status lines
 * included) to `header`, as they arrive. Both contexts must stay valid until ccurl_perform returns. */
CURLcode ccurl_receive(CURL *curl, ccurl_receive_fn body, void *body_ctx, ccurl_receive_fn header, void *header_ctx);

/* The status of the response being received (0 before the status line); valid inside a
 * receive callback, where a header block's end tells a final status from a 1xx one. */
long ccurl_response_code(CURL *curl);

/* Runs the prepared transfer. On success *status is the HTTP status. On failure `error`
 * (cap bytes, NUL-terminated) holds libcurl's detail, and *os_errno the socket error if any. */
CURLcode ccurl_perform(CURL *curl, long *status, long *os_errno, char *error, size_t cap);

#endif
