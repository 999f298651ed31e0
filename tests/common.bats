# tests/common.bats - unit tests of the common/ modules, one @test per case.

load helpers

@test "http parser: init sets the default limits and clears the state" { unit http_parse_test init_defaults; }
@test "http parser: a simple GET is parsed into method, target, version and headers" { unit http_parse_test simple_get; }
@test "http parser: header values are trimmed of spaces and tabs on both sides" { unit http_parse_test values_trimmed; }
@test "http parser: a tab inside a header value is kept" { unit http_parse_test htab_inside_value_kept; }
@test "http parser: every prefix of a valid head is incomplete, never done or invalid" { unit http_parse_test every_prefix_incomplete; }
@test "http parser: a head fed one byte at a time parses as when sent whole, scanning each byte once" { unit http_parse_test byte_at_a_time; }
@test "http parser: two pipelined heads in one buffer parse one after the other" { unit http_parse_test pipelined_heads; }
@test "http parser: blank lines before the request line are skipped" { unit http_parse_test leading_blank_lines; }
@test "http parser: bare LF is accepted as a line end" { unit http_parse_test bare_lf; }
@test "http parser: a bare CR anywhere in the head is 400" { unit http_parse_test bare_cr; }
@test "http parser: a request line with extra or missing spaces is 400" { unit http_parse_test request_line_two_spaces; }
@test "http parser: a request line missing its target or version is 400" { unit http_parse_test request_line_missing_parts; }
@test "http parser: a version not exactly HTTP/DIGIT.DIGIT is 400" { unit http_parse_test version_syntax; }
@test "http parser: HTTP versions other than 1.0 and 1.1 are 505" { unit http_parse_test version_unsupported; }
@test "http parser: an HTTP/1.0 request without headers is accepted" { unit http_parse_test http10_accepted; }
@test "http parser: the method must be a non-empty token" { unit http_parse_test method_token; }
@test "http parser: the target must be visible ASCII without spaces or controls" { unit http_parse_test target_visible_ascii; }
@test "http parser: whitespace between a field name and its colon is 400" { unit http_parse_test space_before_colon; }
@test "http parser: a header line without a colon is 400" { unit http_parse_test missing_colon; }
@test "http parser: an empty field name or one that is not a token is 400" { unit http_parse_test empty_or_bad_name; }
@test "http parser: a folded header line (obs-fold) is 400" { unit http_parse_test obs_fold; }
@test "http parser: a control character in a header value is 400" { unit http_parse_test control_in_value; }
@test "http parser: bytes 0x80-0xFF (obs-text) are allowed in header values" { unit http_parse_test obs_text_in_value; }
@test "http parser: 100 headers are accepted and 101 are 431" { unit http_parse_test header_count_limit; }
@test "http parser: a lowered max_headers is enforced with 431" { unit http_parse_test lowered_max_headers; }
@test "http parser: max_headers above HTTP_MAX_HEADERS is capped at it" { unit http_parse_test max_headers_capped; }
@test "http parser: a head of exactly max_head_size bytes is accepted" { unit http_parse_test head_size_at_limit; }
@test "http parser: a complete head one byte over the limit is 431, blank lines included" { unit http_parse_test head_size_over_limit; }
@test "http parser: an unfinished head is 431 as soon as it passes the limit" { unit http_parse_test head_size_over_limit_incomplete; }
@test "http parser: a lowered max_head_size is enforced with 431" { unit http_parse_test lowered_max_head_size; }
@test "http parser: an HTTP/1.1 request without Host is 400" { unit http_parse_test host_missing_in_http11; }
@test "http parser: a request with two Host headers is 400" { unit http_parse_test host_duplicate; }
@test "http parser: an HTTP/1.0 request may omit Host" { unit http_parse_test host_optional_in_http10; }
@test "http parser: Content-Length digits give the body length" { unit http_parse_test content_length; }
@test "http parser: a Content-Length list of equal values is accepted" { unit http_parse_test content_length_equal_list; }
@test "http parser: a Content-Length list of differing or empty values is 400" { unit http_parse_test content_length_differing_list; }
@test "http parser: several Content-Length headers must agree, else 400" { unit http_parse_test content_length_headers_agree; }
@test "http parser: a Content-Length that is not plain digits is 400" { unit http_parse_test content_length_not_digits; }
@test "http parser: a Content-Length beyond INT64_MAX is 400" { unit http_parse_test content_length_overflow; }
@test "http parser: Transfer-Encoding: chunked marks the body chunked" { unit http_parse_test chunked; }
@test "http parser: the chunked coding is matched case-insensitively" { unit http_parse_test chunked_case_insensitive; }
@test "http parser: Transfer-Encoding with Content-Length is 400" { unit http_parse_test chunked_with_content_length; }
@test "http parser: Transfer-Encoding in an HTTP/1.0 request is 400" { unit http_parse_test transfer_encoding_in_http10; }
@test "http parser: a coding other than chunked before the final chunked is 501" { unit http_parse_test transfer_coding_unsupported; }
@test "http parser: a Transfer-Encoding not ending in chunked is 400" { unit http_parse_test chunked_not_last; }
@test "http parser: chunked listed twice is 400" { unit http_parse_test chunked_twice; }
@test "http parser: HTTP/1.1 keeps the connection unless Connection lists close" { unit http_parse_test keep_alive_http11; }
@test "http parser: HTTP/1.0 keeps the connection only if Connection lists keep-alive" { unit http_parse_test keep_alive_http10; }
@test "http parser: Connection is read as a token list, matching whole tokens only" { unit http_parse_test keep_alive_token_list; }
@test "http parser: http_find_header finds the first header, ignoring case" { unit http_parse_test find_header; }
@test "http parser: http_value_has_token matches whole tokens in a comma-separated list" { unit http_parse_test value_has_token; }
@test "http parser: the parser is reusable after an invalid head" { unit http_parse_test reusable_after_invalid; }
@test "http parser: the parser searches afresh when given a shorter buffer" { unit http_parse_test shorter_buffer_restarts_search; }
@test "http parser: a response head gives version, code, reason, headers and framing" { unit http_parse_test response_simple; }
@test "http parser: a response's reason may be empty, even its SP missing; bare LF ends lines" { unit http_parse_test response_reason_forms; }
@test "http parser: every prefix of a response head is incomplete" { unit http_parse_test response_incomplete; }
@test "http parser: a chunked response has no length" { unit http_parse_test response_chunked; }
@test "http parser: a malformed status line is invalid (two spaces, bad code, HTTP/2.0 505, a blank line first, CR)" { unit http_parse_test response_bad_status_line; }
@test "http parser: a response's fields follow the request rules (space before colon, obs-fold, two lengths, CL and TE, gzip 501)" { unit http_parse_test response_bad_fields; }
@test "http response: http_reason knows every status RFC 9110 lists (403, 416, 418, 421-426, 428, 429, 431, 451, 511...)" { unit http_response_test reasons_known; }
@test "http response: a status in no list is Unknown" { unit http_response_test reasons_unknown; }
@test "http response: an error response names its reason in the status line and the body, and closes" { unit http_response_test format_error; }
