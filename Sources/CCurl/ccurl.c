#include "ccurl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ccurl_buffer_free(ccurl_buffer *buffer) {
    free(buffer->data);
    buffer->data = NULL;
    buffer->len = buffer->cap = 0;
}

/* Returning less than asked (on out-of-memory) makes libcurl abort with CURLE_WRITE_ERROR. */
size_t ccurl_buffer_append(char *data, size_t size, size_t count, void *ctx) {
    ccurl_buffer *buffer = ctx;
    size_t n = size * count;
    if (buffer->len + n > buffer->cap) {
        size_t cap = buffer->cap ? buffer->cap : 4096;
        while (cap < buffer->len + n) cap *= 2;
        char *grown = realloc(buffer->data, cap);
        if (!grown) return 0;
        buffer->data = grown;
        buffer->cap = cap;
    }
    memcpy(buffer->data + buffer->len, data, n);
    buffer->len += n;
    return n;
}

CURLcode ccurl_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }

#define SET(option, value) do { CURLcode rc = curl_easy_setopt(curl, option, value); if (rc != CURLE_OK) return rc; } while (0)

CURLcode ccurl_prepare(CURL *curl, const char *url, const char *method, const char *body, size_t len,
                       const struct curl_slist *headers, long connect_timeout_ms, long timeout_ms) {
    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L); /* timeouts from many threads: no SIGALRM */
    SET(CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, timeout_ms);
    SET(CURLOPT_ACCEPT_ENCODING, ""); /* the ABI hands the plugin a decoded body */
    SET(CURLOPT_HTTPHEADER, headers);
    /* Order matters: NOBODY 0 turns a previous HEAD back into GET, and HTTPGET and POSTFIELDS
     * then pick the method; CUSTOMREQUEST renames it last. */
    int is_post = strcasecmp(method, "POST") == 0;
    if (strcasecmp(method, "HEAD") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
        SET(CURLOPT_NOBODY, 1L);
        SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
    } else if (len > 0 || is_post) {
        SET(CURLOPT_NOBODY, 0L);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        SET(CURLOPT_POSTFIELDS, len > 0 ? body : "");
        SET(CURLOPT_CUSTOMREQUEST, is_post ? NULL : method);
    } else {
        SET(CURLOPT_NOBODY, 0L);
        SET(CURLOPT_HTTPGET, 1L);
        SET(CURLOPT_CUSTOMREQUEST, strcasecmp(method, "GET") == 0 ? NULL : method);
    }
    return CURLE_OK;
}

CURLcode ccurl_receive(CURL *curl, ccurl_receive_fn body, void *body_ctx, ccurl_receive_fn header, void *header_ctx) {
    SET(CURLOPT_WRITEFUNCTION, body);
    SET(CURLOPT_WRITEDATA, body_ctx);
    SET(CURLOPT_HEADERFUNCTION, header);
    SET(CURLOPT_HEADERDATA, header_ctx);
    return CURLE_OK;
}

long ccurl_response_code(CURL *curl) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

CURLcode ccurl_perform(CURL *curl, long *status, long *os_errno, char *error, size_t cap) {
    char detail[CURL_ERROR_SIZE] = "";
    *status = 0;
    *os_errno = 0;
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, (char *)NULL); /* detail dies with this frame */
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    } else {
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, os_errno);
        if (cap > 0) {
            const char *text = detail[0] ? detail : curl_easy_strerror(rc);
            size_t n = strlen(text);
            if (n >= cap) n = cap - 1;
            memcpy(error, text, n);
            error[n] = 0;
        }
    }
    return rc;
}
