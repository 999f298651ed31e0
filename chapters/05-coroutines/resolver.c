/* resolver.c - getaddrinfo() on a few threads, answers handed back to the
 * loop with ioloop_add_callback(). Tornado: netutil.ThreadedResolver. */
#include "resolver.h"

#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct resolver_job {
    struct ioloop *loop;
    char *host;
    int port;
    resolver_done_fn *done; /* NULL once cancelled; loop thread only */
    void *arg;
    struct resolver_result res;
    const char *error;
    struct resolver_job *next; /* in the resolver's queue */
};

struct resolver {
    struct ioloop *loop;
    int nthreads, started;
    pthread_t *threads;
    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t work;
    struct resolver_job *head, *tail; /* lookups not started, FIFO */
    int stopping;
};

static const char *resolver_getaddrinfo(const char *host, int port,
                                        struct resolver_result *res);

/* Written before any thread starts, read by the threads: no lock needed. */
static resolver_lookup_fn *resolver_lookup_impl = resolver_getaddrinfo;

void resolver_set_lookup(resolver_lookup_fn *fn)
{
    resolver_lookup_impl = fn ? fn : resolver_getaddrinfo;
}

static void resolver_set_port(struct sockaddr_storage *ss, int port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static const char *resolver_getaddrinfo(const char *host, int port,
                                        struct resolver_result *res)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *list, *ai;
    int rc = getaddrinfo(host, NULL, &hints, &list);

    if (rc != 0)
        return gai_strerror(rc); /* a static string, as the contract asks */
    res->n = 0;
    for (ai = list; ai && res->n < RESOLVER_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof res->addrs[0])
            continue;
        memcpy(&res->addrs[res->n], ai->ai_addr, ai->ai_addrlen);
        resolver_set_port(&res->addrs[res->n], port);
        res->lens[res->n++] = ai->ai_addrlen;
    }
    freeaddrinfo(list);
    return res->n ? NULL : "No address for the name";
}

int resolver_numeric(const char *host, int port, struct resolver_result *res)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)&res->addrs[0];
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&res->addrs[0];

    memset(&res->addrs[0], 0, sizeof res->addrs[0]);
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        res->lens[0] = sizeof *in4;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        res->lens[0] = sizeof *in6;
    } else {
        return -1;
    }
    resolver_set_port(&res->addrs[0], port);
    res->n = 1;
    return 0;
}

/* ---- the loop's side of an answer ---- */

static void resolver_job_free(struct resolver_job *job)
{
    free(job->host);
    free(job);
}

/* On the loop's thread: the answer, unless the job was cancelled. */
static int resolver_deliver(struct ioloop *loop, void *arg)
{
    struct resolver_job *job = arg;

    (void)loop;
    if (job->done)
        job->done(job->arg, job->error ? NULL : &job->res, job->error);
    resolver_job_free(job);
    return 0;
}

/* ---- the threads ---- */

/* The next job, or NULL once the resolver stops. */
static struct resolver_job *resolver_take(struct resolver *r)
{
    struct resolver_job *job;

    pthread_mutex_lock(&r->lock);
    while (!r->head && !r->stopping)
        pthread_cond_wait(&r->work, &r->lock);
    job = r->stopping ? NULL : r->head;
    if (job) {
        r->head = job->next;
        if (!r->head)
            r->tail = NULL;
    }
    pthread_mutex_unlock(&r->lock);
    return job;
}

static void *resolver_thread(void *arg)
{
    struct resolver *r = arg;
    struct resolver_job *job;

    while ((job = resolver_take(r))) {
        /* The job is ours alone now: the loop sees it again only in
         * resolver_deliver, after the callback below is queued. */
        job->error = resolver_lookup_impl(job->host, job->port, &job->res);
        if (ioloop_add_callback(job->loop, resolver_deliver, job) < 0) {
            log_error("resolver: cannot hand back %s: no memory", job->host);
            resolver_job_free(job); /* its owner's timeout will fire */
        }
    }
    return NULL;
}

/* The threads start with the first lookup: a client that only ever
 * fetches numeric addresses never has any. */
static int resolver_start(struct resolver *r)
{
    while (r->started < r->nthreads) {
        int rc = pthread_create(&r->threads[r->started], NULL,
                                resolver_thread, r);
        if (rc != 0) {
            if (r->started > 0)
                return 0; /* fewer threads is still a resolver */
            errno = rc;
            return -1;
        }
        r->started++;
    }
    return 0;
}

/* ---- the API ---- */

struct resolver *resolver_new(struct ioloop *loop, int threads)
{
    struct resolver *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->loop = loop;
    r->nthreads = threads > 0 ? threads : 1;
    if (!(r->threads = calloc((size_t)r->nthreads, sizeof *r->threads))) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->work, NULL);
    return r;
}

struct resolver_job *resolver_lookup(struct resolver *r, const char *host,
                                     int port, resolver_done_fn *done,
                                     void *arg)
{
    struct resolver_job *job = calloc(1, sizeof *job);

    if (!job || !(job->host = strdup(host)) || resolver_start(r) < 0) {
        if (job)
            free(job->host);
        free(job);
        return NULL;
    }
    job->loop = r->loop;
    job->port = port;
    job->done = done;
    job->arg = arg;
    pthread_mutex_lock(&r->lock);
    if (r->tail)
        r->tail->next = job;
    else
        r->head = job;
    r->tail = job;
    pthread_cond_signal(&r->work);
    pthread_mutex_unlock(&r->lock);
    return job;
}

void resolver_cancel(struct resolver_job *job)
{
    job->done = NULL;
}

void resolver_free(struct resolver *r)
{
    struct resolver_job *job, *next;

    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stopping = 1;
    pthread_cond_broadcast(&r->work);
    pthread_mutex_unlock(&r->lock);
    for (int i = 0; i < r->started; i++)
        pthread_join(r->threads[i], NULL);
    for (job = r->head; job; job = next) { /* never started */
        next = job->next;
        resolver_job_free(job);
    }
    pthread_cond_destroy(&r->work);
    pthread_mutex_destroy(&r->lock);
    free(r->threads);
    free(r);
}
