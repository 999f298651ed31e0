/* conn.h - one client connection as a state machine that never blocks.
 *
 *     struct conn *c = conn_new(fd);            // fd is non-blocking
 *     // the loop watches fd for what the connection wants:
 *     if (conn_wants_read(c))  ... watch fd for reading ...
 *     if (conn_wants_write(c)) ... watch fd for writing ...
 *     int64_t when = conn_deadline(c);          // -1, or wake me at `when`
 *     // and reports what happened:
 *     conn_on_readable(c); conn_on_writable(c); conn_on_deadline(c, now);
 *     if (conn_closed(c)) conn_free(c);
 *
 * The connection knows nothing about select(): the loop in server.c asks it
 * what to wait for and tells it what happened. Chapter 3's IOLoop makes that
 * split its whole design.
 *
 *   READING --head complete--> WRITING --sent, keep-alive--> READING
 *      |                          ^
 *      +--/sleep/N--> SLEEPING ---+ (at the deadline)
 *   WRITING --sent, Connection: close--> LINGERING --client EOF--> CLOSED
 *   any state --error or EOF--> CLOSED
 */
#ifndef CH02_CONN_H
#define CH02_CONN_H

#include <stdint.h>

struct conn;

/* Take ownership of a connected, non-blocking descriptor. NULL on ENOMEM
 * (the caller then closes fd). */
struct conn *conn_new(int fd);
/* Close the descriptor and free everything. */
void conn_free(struct conn *c);

int conn_fd(const struct conn *c);
int conn_wants_read(const struct conn *c);
int conn_wants_write(const struct conn *c);
/* The monotonic time in ms (clock_now_ms) at which the connection wants
 * conn_on_deadline() called, or -1 for no deadline. */
int64_t conn_deadline(const struct conn *c);
/* Whether the connection is finished: the loop must conn_free() it. */
int conn_closed(const struct conn *c);

/* The loop saw fd readable / writable / the deadline pass. Each advances
 * the connection as far as it can go without waiting. */
void conn_on_readable(struct conn *c);
void conn_on_writable(struct conn *c);
void conn_on_deadline(struct conn *c, int64_t now_ms);

#endif
