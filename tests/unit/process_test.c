/* process_test.c - chapter 6's process_fork on its own, one scenario per
 * run: the parent supervises and exits, so its exit status and what the
 * children print are the result, which tests/06-executor.bats reads.
 *
 *   process_test unforked        task id -1 before any fork; prints "-1"
 *   process_test tasks           3 children print "task T random R", exit 0
 *   process_test restart DIR     task 1 exits 3 the first time (a marker in
 *                                DIR says so), is restarted, then exits 0
 *   process_test give_up         every child exits 1; max_restarts 2
 */
#include "process.h"

#include "log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tasks(void)
{
    int task = process_fork(3, -1);

    printf("task %d random %ld\n", task, random());
    return 0;
}

static int restart(const char *dir)
{
    char marker[4096];
    int task = process_fork(2, -1);

    printf("task %d started\n", task);
    if (task != 1)
        return 0;
    snprintf(marker, sizeof marker, "%s/failed-once", dir);
    int fd = open(marker, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0)
        return 0; /* the second time: done */
    close(fd);
    return 3; /* the first time: fail, to be restarted */
}

static int give_up(void)
{
    int task = process_fork(2, 2);

    printf("task %d failing\n", task);
    return 1;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";

    log_setup("process_test");
    if (strcmp(what, "unforked") == 0)
        return printf("%d\n", process_task_id()) < 0;
    if (strcmp(what, "tasks") == 0)
        return tasks();
    if (strcmp(what, "restart") == 0 && argc > 2)
        return restart(argv[2]);
    if (strcmp(what, "give_up") == 0)
        return give_up();
    fprintf(stderr, "usage: process_test unforked|tasks|restart DIR|give_up\n");
    return 2;
}
