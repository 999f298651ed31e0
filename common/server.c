/* server.c - the listening socket, the ready line, and stop signals. */
#include "server.h"

#include "net.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static volatile sig_atomic_t stop_flag;
static void (*volatile stop_hook)(void);

int server_listen(const struct server_config *config)
{
    /* SOMAXCONN: the kernel's cap (4096 since Linux 5.4). A backlog as small
     * as Tornado's default of 128 would drop connections in chapter 3's
     * 10,000-client experiment before the loop could accept them. */
    int fd = net_listen(config->host, config->port, SOMAXCONN);
    int bracket = strchr(config->host, ':') != NULL; /* an IPv6 literal */

    if (fd < 0)
        return -1;
    printf("listening on http://%s%s%s:%d\n", bracket ? "[" : "", config->host,
           bracket ? "]" : "", net_local_port(fd));
    fflush(stdout);
    return fd;
}

static void server_on_stop_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
    if (stop_hook)
        stop_hook();
}

void server_on_stop(void (*hook)(void))
{
    stop_hook = hook;
}

int server_catch_signals(void)
{
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    struct sigaction stop = {.sa_handler = server_on_stop_signal};

    sigemptyset(&stop.sa_mask);
    if (sigaction(SIGPIPE, &ignore, NULL) < 0 ||
        sigaction(SIGINT, &stop, NULL) < 0 ||
        sigaction(SIGTERM, &stop, NULL) < 0)
        return -1;
    return 0;
}

int server_stop_requested(void)
{
    return stop_flag;
}

void server_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}
