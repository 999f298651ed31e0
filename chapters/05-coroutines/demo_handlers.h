/* demo_handlers.h - the demo app's routes as coroutine handler classes,
 * for a route table: chapter 5's server.c serves them all, chapter 6's
 * serves them beside its own routes.
 *
 *     static const struct web_route routes[] = {
 *         {"/", &demo_hello_handler.base, NULL},
 *         {"/sleep/([0-9]+(\\.[0-9]+)?)", &demo_sleep_handler.base, NULL},
 *         {0}};
 *
 * Each is a gen_web_class (gen_web.h): /sleep/N waits with gen_sleep in
 * its coroutine, POST /echo streams its body with gen_web_read_body,
 * /cpu/N burns the CPU where it runs. The routes' patterns must capture
 * the argument as the first group, as above. Tornado: the demo app's
 * `async def get` methods.
 */
#ifndef CH05_DEMO_HANDLERS_H
#define CH05_DEMO_HANDLERS_H

#include "gen_web.h"

extern const struct gen_web_class demo_hello_handler; /* GET / */
extern const struct gen_web_class demo_pid_handler;   /* GET /pid */
extern const struct gen_web_class demo_cpu_handler;   /* GET /cpu/N */
extern const struct gen_web_class demo_echo_handler;  /* POST /echo */
extern const struct gen_web_class demo_sleep_handler; /* GET /sleep/N */

#endif
