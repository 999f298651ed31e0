/* http_response_test.c - unit tests of common/http_response.c: reason
 * phrases and the error responses built from them. */
#include "check.h"
#include "http_response.h"

/* Every status RFC 9110 section 15 lists, with the codes other RFCs added
 * that servers still send, and its phrase. */
static const struct {
    int status;
    const char *reason;
} known[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {306, "Unused"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Content"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {511, "Network Authentication Required"},
};

#define CHECK_STR(a, b)                                                     \
    do {                                                                    \
        const char *check_s_ = (a);                                         \
        check_count++;                                                      \
        if (strcmp(check_s_, (b)) != 0) {                                   \
            check_failures++;                                               \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s is '%s', not '%s'\n", \
                    __FILE__, __LINE__, #a, check_s_, (b));                 \
        }                                                                   \
    } while (0)

static void test_reasons_known(void)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *got = http_reason(known[i].status);
        if (strcmp(got, known[i].reason) != 0)
            fprintf(stderr, "status %d: ", known[i].status);
        CHECK_STR(got, known[i].reason);
    }
}

/* A code in no list, in range or not, is "Unknown", never NULL. */
static void test_reasons_unknown(void)
{
    static const int unknown[] = {0, -1, 99, 102, 207, 299, 309, 419, 420,
                                  427, 430, 432, 450, 452, 506, 510, 512,
                                  599, 600, 999, 1000};

    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        CHECK_STR(http_reason(unknown[i]), "Unknown");
}

/* http_format_error says the reason twice: status line and body. */
static void test_format_error(void)
{
    struct buffer out;
    const char *text;

    buffer_init(&out);
    CHECK_EQ(http_format_error(&out, 416), 0);
    CHECK_EQ(buffer_append(&out, "", 1), 0); /* a C string from here */
    text = buffer_data(&out);
    CHECK(strncmp(text, "HTTP/1.1 416 Range Not Satisfiable\r\n", 36) == 0);
    CHECK(strstr(text, "\r\nConnection: close\r\n") != NULL);
    CHECK(strstr(text, "\r\nContent-Length: 26\r\n") != NULL);
    CHECK(strstr(text, "\r\n\r\n416 Range Not Satisfiable\n") != NULL);
    buffer_free(&out);
}

static const struct check_case cases[] = {
    {"reasons_known", test_reasons_known},
    {"reasons_unknown", test_reasons_unknown},
    {"format_error", test_format_error},
    {0}};

int main(int argc, char **argv)
{
    return check_main(argc, argv, cases);
}
